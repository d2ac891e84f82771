/* vsnprintf: the formatting the library OS needs for its messages. */
#include "../lib.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, int width, int prec, int left)
{
	int n;

	if (!s)
		s = "(null)";
	n = (int)strnlen(s, prec >= 0 ? (size_t)prec : (size_t)-1);
	if (!left)
		pad(o, ' ', width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		pad(o, ' ', width - n);
}

static void put_num(struct out *o, uint64_t v, int base, int upper, int neg,
		    int width, char fill, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, digits_len;

	do {
		tmp[n++] = digits[v % (unsigned)base];
		v /= (unsigned)base;
	} while (v);
	if (neg && fill == '0') {
		put(o, '-');
		width--;
		neg = 0;
	}
	digits_len = n;
	if (!left)
		pad(o, fill, width - digits_len - neg);
	if (neg)
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
	if (left)
		pad(o, ' ', width - digits_len - neg);
}

/* Reads the argument for an integer conversion of the given length. */
static uint64_t get_arg(va_list *ap, int longs, int is_signed, int *neg)
{
	int64_t s;

	*neg = 0;
	if (!is_signed)
		return longs ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);
	s = longs ? va_arg(*ap, int64_t) : va_arg(*ap, int);
	if (s < 0) {
		*neg = 1;
		return (uint64_t)0 - (uint64_t)s;
	}
	return (uint64_t)s;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		int width = 0, prec = -1, left = 0, longs = 0, alt = 0, neg;
		char fill = ' ';
		uint64_t v;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '#')
				alt = 1;
			else if (*fmt == '0')
				fill = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(args, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(args, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
			if (*fmt != 'h')
				longs = 1;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			v = get_arg(&args, longs, 1, &neg);
			put_num(&o, v, 10, 0, neg, width, fill, left);
			break;
		case 'u':
			v = get_arg(&args, longs, 0, &neg);
			put_num(&o, v, 10, 0, 0, width, fill, left);
			break;
		case 'x':
		case 'X':
			v = get_arg(&args, longs, 0, &neg);
			if (alt && v) { /* C's %#x: 0x before a non-zero value */
				put(&o, '0');
				put(&o, *fmt);
				width -= 2;
			}
			put_num(&o, v, 16, *fmt == 'X', 0, width, fill, left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)va_arg(args, void *), 16, 0, 0,
				width, fill, left);
			break;
		case 's':
			put_str(&o, va_arg(args, const char *), width, prec, left);
			break;
		case 'c':
			put(&o, (char)va_arg(args, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
