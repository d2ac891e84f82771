/*
 * System-call sites by linear sweep, over Zydis's decoder (see x86dec.h).
 * One pass: direct branches are checked against the sites as they go (a
 * backward target at once, a forward one that may land in a site's window
 * once the sweep is past every site that could hold it; a second pass
 * only if more than X86_PENDING are waiting at once).
 * About 60-100 ns per instruction on the host: 20-25 ms for the 1.4 MB of
 * glibc's libc.so.6.
 *
 * Zydis is built in its minimal mode (kernel/loader/module.mk): it still
 * validates every encoding and gives the length, the mnemonic and the raw
 * fields (prefixes, ModRM, displacement, immediates), but not operands,
 * which keeps its tables to a third of the full decoder's.
 */
#include <Zydis/Decoder.h>

#include "x86dec.h"

static void decoder_init(ZydisDecoder *dec)
{
	/* Cannot fail with these constant, valid arguments. */
	(void)ZydisDecoderInit(dec, ZYDIS_MACHINE_MODE_LONG_64,
			       ZYDIS_STACK_WIDTH_64);
}

/* Length of the instruction at p, or an X86_ERR_*. */
static int decode(const ZydisDecoder *dec, const uint8_t *p, size_t avail,
		  ZydisDecodedInstruction *insn)
{
	ZyanStatus s;

	if (!avail)
		return X86_ERR_TRUNCATED;
	s = ZydisDecoderDecodeInstruction(dec, ZYAN_NULL, p, avail, insn);
	if (!ZYAN_SUCCESS(s))
		return s == ZYDIS_STATUS_NO_MORE_DATA ? X86_ERR_TRUNCATED :
							X86_ERR_INVALID;
	if (insn->length < 1 || insn->length > ZYDIS_MAX_INSTRUCTION_LENGTH ||
	    insn->length > avail)
		return X86_ERR_INVALID; /* never happens; never trusted */
	return insn->length;
}

int x86_insn_len(const uint8_t *p, size_t avail)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction insn;

	if (!p)
		return X86_ERR_INVALID;
	decoder_init(&dec);
	return decode(&dec, p, avail, &insn);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* mov $imm32, %eax (b8 id; c7 c0 id) or mov $simm32, %rax (48 c7 c0 id),
 * with no other prefix: all of them set the whole of rax. */
static int mov_eax_imm(const ZydisDecodedInstruction *insn, const uint8_t *p,
		       int len, uint32_t *imm)
{
	if (insn->mnemonic != ZYDIS_MNEMONIC_MOV)
		return 0;
	if (len == 5 && p[0] == 0xb8)
		*imm = le32(p + 1);
	else if (len == 6 && p[0] == 0xc7 && p[1] == 0xc0)
		*imm = le32(p + 2);
	else if (len == 7 && p[0] == 0x48 && p[1] == 0xc7 && p[2] == 0xc0)
		*imm = le32(p + 3);
	else
		return 0;
	return 1;
}

/* Uses rip-relative memory: ModRM mod 00, r/m 101 (no SIB in 64-bit
 * mode), with a 32-bit displacement. */
static int rip_relative(const ZydisDecodedInstruction *insn)
{
	return (insn->attributes & ZYDIS_ATTRIB_HAS_MODRM) &&
	       insn->raw.modrm.mod == 0 && insn->raw.modrm.rm == 5;
}

/* A relative immediate: a branch's target. */
static int branch_relative(const ZydisDecodedInstruction *insn)
{
	return insn->raw.imm[0].is_relative || insn->raw.imm[1].is_relative;
}

/* Uses rip-relative memory or a relative immediate (branches). */
static int pc_relative(const ZydisDecodedInstruction *insn)
{
	return rip_relative(insn) || branch_relative(insn);
}

int x86_rip_disp(const uint8_t *p, size_t avail)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction insn;

	if (!p)
		return 0;
	decoder_init(&dec);
	if (decode(&dec, p, avail, &insn) < 0 || !rip_relative(&insn) ||
	    insn.raw.disp.size != 32 || !insn.raw.disp.offset ||
	    insn.raw.disp.offset + 4u > insn.length)
		return 0;
	return insn.raw.disp.offset;
}

/* mov between registers and memory, or of an immediate (88-8b, c6, c7,
 * b0-bf): not to or from segment, control or debug registers, nor the
 * absolute-address forms. */
static int plain_mov(const ZydisDecodedInstruction *insn)
{
	uint8_t op = insn->opcode;

	return insn->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	       ((op >= 0x88 && op <= 0x8b) || op == 0xc6 || op == 0xc7 ||
		(op >= 0xb0 && op <= 0xbf));
}

/* Data instructions that compute the same at any address, given the same
 * registers, flags and stack (a rip-relative operand once its displacement
 * is re-aimed, see x86_rip_disp): no branch, nothing privileged. endbr64 is
 * not one: it marks an indirect branch's target. */
static int movable(const ZydisDecodedInstruction *insn)
{
	ZydisMnemonic m = insn->mnemonic;

	if (branch_relative(insn))
		return 0;
	switch (m) {
	case ZYDIS_MNEMONIC_MOV:
		return plain_mov(insn);
	case ZYDIS_MNEMONIC_MOVSX: case ZYDIS_MNEMONIC_MOVSXD:
	case ZYDIS_MNEMONIC_MOVZX: case ZYDIS_MNEMONIC_LEA:
	case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_SUB:
	case ZYDIS_MNEMONIC_ADC: case ZYDIS_MNEMONIC_SBB:
	case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_OR:
	case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_NOT:
	case ZYDIS_MNEMONIC_NEG: case ZYDIS_MNEMONIC_INC:
	case ZYDIS_MNEMONIC_DEC: case ZYDIS_MNEMONIC_SHL:
	case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
	case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR:
	case ZYDIS_MNEMONIC_IMUL: case ZYDIS_MNEMONIC_TEST:
	case ZYDIS_MNEMONIC_CMP: case ZYDIS_MNEMONIC_PUSH:
	case ZYDIS_MNEMONIC_POP: case ZYDIS_MNEMONIC_NOP:
	case ZYDIS_MNEMONIC_CDQ: case ZYDIS_MNEMONIC_CDQE:
	case ZYDIS_MNEMONIC_CQO: case ZYDIS_MNEMONIC_CWDE:
	case ZYDIS_MNEMONIC_BSWAP: case ZYDIS_MNEMONIC_MOVD:
	case ZYDIS_MNEMONIC_MOVQ: case ZYDIS_MNEMONIC_MOVAPS:
	case ZYDIS_MNEMONIC_MOVUPS: case ZYDIS_MNEMONIC_MOVDQA:
	case ZYDIS_MNEMONIC_MOVDQU: case ZYDIS_MNEMONIC_PXOR:
	case ZYDIS_MNEMONIC_XORPS:
		return 1;
	default:
		return (m >= ZYDIS_MNEMONIC_CMOVB && m <= ZYDIS_MNEMONIC_CMOVZ) ||
		       (m >= ZYDIS_MNEMONIC_SETB && m <= ZYDIS_MNEMONIC_SETS) ||
		       m == ZYDIS_MNEMONIC_SETZ;
	}
}

static int site_kind(const ZydisDecodedInstruction *insn)
{
	switch (insn->mnemonic) {
	case ZYDIS_MNEMONIC_SYSCALL:
		return X86_SITE_SYSCALL;
	case ZYDIS_MNEMONIC_SYSENTER:
		return X86_SITE_SYSENTER;
	case ZYDIS_MNEMONIC_INT:
		return insn->raw.imm[0].value.u == 0x80 ? X86_SITE_INT80 : 0;
	default:
		return 0;
	}
}

static void count(struct x86_scan_stats *st, const struct x86_syscall_site *s,
		  int sign)
{
	if (s->flags & X86_PATCH_MOV)
		st->patch_mov += sign;
	if (s->flags & X86_PATCH_PAIR)
		st->patch_pair += sign;
	if (s->decline && s->decline < X86_DECLINE_MAX)
		st->decline[s->decline] += sign;
	if (x86_site_movable(s))
		st->patch_moved += sign;
	else if (s->win_decline && s->win_decline < X86_DECLINE_MAX)
		st->win_decline[s->win_decline] += sign;
}

/* The instructions just before the current one, newest first, as far as
 * a moved window can reach (4 one-byte instructions, then one more). */
#define X86_HISTORY 5

struct past {
	size_t off;
	uint8_t len;
	uint8_t movable;
	uint8_t sigreturn; /* mov $15, %eax|%rax */
};

/* The state of the sweep that a verdict depends on. */
struct sweep {
	size_t off;
	size_t sync_off;   /* first byte after the last undecodable one */
	int resynced;      /* some byte did not decode */
	size_t prev_off;   /* the previous instruction, when prev_len */
	int prev_len;
	uint32_t prev_imm;
	int prev_mov, prev_pc_rel;
	struct past hist[X86_HISTORY]; /* contiguous, ending at off */
	unsigned nhist;
};

/* Remembers the instruction at w->off (length l; sigreturn: it is mov
 * $15, %eax|%rax) for the windows of later sites. */
static void remember(struct sweep *w, const ZydisDecodedInstruction *insn,
		     int l, int sigreturn)
{
	struct past p = { w->off, (uint8_t)l, (uint8_t)movable(insn),
			  (uint8_t)sigreturn };

	__builtin_memmove(&w->hist[1], &w->hist[0],
			  (X86_HISTORY - 1) * sizeof(w->hist[0]));
	w->hist[0] = p;
	if (w->nhist < X86_HISTORY)
		w->nhist++;
}

static void verdict(const struct sweep *w, struct x86_syscall_site *s)
{
	if (s->kind != X86_SITE_SYSCALL)
		s->decline = X86_DECLINE_UNSUPPORTED;
	else if (s->len != 2)
		s->decline = X86_DECLINE_ENCODING;
	else if (!w->prev_len)
		s->decline = X86_DECLINE_NO_PREV;
	else if (!w->prev_mov)
		s->decline = X86_DECLINE_PREV_NOT_MOV;
	else if (w->resynced && w->prev_off < w->sync_off + X86_SYNC_GUARD)
		s->decline = X86_DECLINE_NEAR_RESYNC;
	else if (w->prev_imm == 15)
		s->decline = X86_DECLINE_SIGRETURN;
	else
		s->flags |= X86_PATCH_MOV | X86_PATCH_PAIR;
}

/* The moved form's verdict: the shortest run of movable instructions
 * ending at the syscall that is at least 5 bytes long. */
static void window_verdict(const struct sweep *w, struct x86_syscall_site *s,
			   uint64_t vaddr)
{
	unsigned i, len = 0, sigreturn = 0;

	if (s->kind != X86_SITE_SYSCALL) {
		s->win_decline = X86_DECLINE_UNSUPPORTED;
		return;
	}
	if (s->len != 2) {
		s->win_decline = X86_DECLINE_ENCODING;
		return;
	}
	for (i = 0; i < w->nhist && len < 5; i++) {
		if (!w->hist[i].movable) {
			s->win_decline = X86_DECLINE_UNMOVABLE;
			return;
		}
		len += w->hist[i].len;
		sigreturn |= w->hist[i].sigreturn;
	}
	if (len < 5) {
		s->win_decline = X86_DECLINE_NO_PREV;
		return;
	}
	s->win_addr = s->addr - len;
	s->win_len = (uint8_t)len;
	if (w->resynced && s->win_addr - vaddr < w->sync_off + X86_SYNC_GUARD)
		s->win_decline = X86_DECLINE_NEAR_RESYNC;
	else if (sigreturn)
		s->win_decline = X86_DECLINE_SIGRETURN;
}

/* The bytes a patch of site s may cover: its moved window (which holds
 * the mov when there is one) and the system-call instruction. */
static uint64_t window_start(const struct x86_syscall_site *s)
{
	return s->win_len ? s->win_addr : s->addr;
}

static void decline_mov(struct x86_syscall_site *s)
{
	s->flags &= ~(X86_PATCH_MOV | X86_PATCH_PAIR);
	if (!s->decline)
		s->decline = X86_DECLINE_BRANCH_INSIDE;
}

static void decline_window(struct x86_syscall_site *s)
{
	if (!s->win_decline)
		s->win_decline = X86_DECLINE_BRANCH_INSIDE;
}

/* A direct branch to target: mark the site whose window holds it. */
static void branch_into(struct x86_syscall_site *out, size_t n, uint64_t target,
			struct x86_scan_stats *st)
{
	size_t lo = 0, hi = n;
	struct x86_syscall_site *s;

	/* The last site whose window starts at or before target. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (window_start(&out[mid]) <= target)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return;
	s = &out[lo - 1];
	if (target >= s->addr + s->len || target == window_start(s))
		return;
	count(st, s, -1);
	if (target == s->addr) {
		s->flags |= X86_BRANCH_TO_SYSCALL;
		s->flags &= ~X86_PATCH_PAIR;
	} else if (target > s->addr) { /* inside the syscall itself */
		decline_mov(s);
		decline_window(s);
	} else {
		/* Inside the window; inside the mov too if past its start. */
		decline_window(s);
		if (s->prev_mov_imm && target > s->prev_addr)
			decline_mov(s);
	}
	count(st, s, +1);
}

/* A forward branch to target can only matter if a plain syscall (0f 05)
 * starts within [target - 1, target + X86_WINDOW_MAX]: a window is at
 * most that long before the syscall, and target must lie past the
 * window's first byte. (Even a target on `b8 id 0f 05` is kept: the
 * instruction that ends at that syscall on the sweep's boundaries may
 * start before it.) */
static int may_hit_site(const uint8_t *code, size_t len, uint64_t vaddr,
			uint64_t target)
{
	uint64_t off = target - vaddr, x;

	if (target < vaddr || off >= len)
		return 0;
	for (x = off ? off - 1 : 0; x <= off + X86_WINDOW_MAX && x + 1 < len; x++)
		if (code[x] == 0x0f && code[x + 1] == 0x05)
			return 1;
	return 0;
}

/* Forward branch targets waiting for the sweep to pass them; when more
 * wait at once, a second sweep over the region checks every branch. */
#define X86_PENDING 64

/* Direct branches (jmp, jcc, call, loop, jrcxz, xbegin) of the instruction
 * at off: a backward target is checked now against the sites found so far
 * (a window lies wholly before the branch that targets it); a forward one
 * is kept if it may hit a site. */
struct branches {
	uint64_t pending[X86_PENDING];
	unsigned npending;
	int overflow;
};

/* Checks now the kept targets that every site which could hold them lies
 * before `here` (a window ends at its syscall, at most X86_WINDOW_MAX
 * bytes past any byte in it), so that their room can be reused. Returns
 * how many entries are free. */
static unsigned settle(struct branches *b, uint64_t here,
		       struct x86_syscall_site *out, size_t nstored,
		       struct x86_scan_stats *st)
{
	unsigned i, kept = 0;

	for (i = 0; i < b->npending; i++) {
		if (b->pending[i] + X86_WINDOW_MAX <= here)
			branch_into(out, nstored, b->pending[i], st);
		else
			b->pending[kept++] = b->pending[i];
	}
	b->npending = kept;
	return X86_PENDING - kept;
}

static int kept_already(const struct branches *b, uint64_t target)
{
	unsigned i;

	for (i = 0; i < b->npending; i++)
		if (b->pending[i] == target)
			return 1;
	return 0;
}

static void note_branches(struct branches *b, const ZydisDecodedInstruction *insn,
			  const uint8_t *code, size_t len, uint64_t vaddr,
			  size_t off, struct x86_syscall_site *out, size_t nstored,
			  struct x86_scan_stats *st)
{
	uint64_t next = vaddr + off + insn->length;
	int i;

	for (i = 0; i < 2; i++) {
		uint64_t target;

		if (!insn->raw.imm[i].is_relative)
			continue;
		target = next + (uint64_t)insn->raw.imm[i].value.s;
		if (target < next)
			branch_into(out, nstored, target, st);
		else if (!may_hit_site(code, len, vaddr, target))
			continue;
		else if (kept_already(b, target))
			continue; /* calls to one wrapper, loops' exits */
		else if (b->npending < X86_PENDING ||
			 settle(b, vaddr + off, out, nstored, st))
			b->pending[b->npending++] = target;
		else
			b->overflow = 1;
	}
}

/* The fallback: a second sweep, on the same boundaries as the first, that
 * checks every direct branch's target. */
static void check_branches(const ZydisDecoder *dec, const uint8_t *code,
			   size_t len, uint64_t vaddr,
			   struct x86_syscall_site *out, size_t n,
			   struct x86_scan_stats *st)
{
	ZydisDecodedInstruction insn;
	size_t off = 0;

	while (off < len) {
		int l = decode(dec, code + off, len - off, &insn);
		int i;

		if (l < 0) {
			off++;
			continue;
		}
		for (i = 0; i < 2; i++)
			if (insn.raw.imm[i].is_relative)
				branch_into(out, n,
					    vaddr + off + (uint64_t)l +
						    (uint64_t)insn.raw.imm[i].value.s,
					    st);
		off += (size_t)l;
	}
}

size_t x86_scan_syscalls_ex(const uint8_t *code, size_t len, uint64_t vaddr,
			    struct x86_syscall_site *out, size_t max,
			    struct x86_scan_stats *stats)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction insn;
	struct x86_scan_stats st;
	struct branches br;
	struct sweep w;
	size_t n = 0, nstored;
	unsigned i;
	int in_bad = 0;

	__builtin_memset(&st, 0, sizeof(st));
	__builtin_memset(&w, 0, sizeof(w));
	br.npending = 0;
	br.overflow = 0;
	if (!code)
		len = 0;
	if (!out)
		max = 0;
	decoder_init(&dec);

	while (w.off < len) {
		int l = decode(&dec, code + w.off, len - w.off, &insn);
		int kind;

		if (l < 0) {
			/* Skip one byte; the next may start an instruction. */
			st.bad_bytes++;
			st.resyncs += !in_bad;
			in_bad = 1;
			w.off++;
			w.sync_off = w.off;
			w.resynced = 1;
			w.prev_len = 0;
			w.nhist = 0;
			continue;
		}
		in_bad = 0;
		st.insns++;
		kind = site_kind(&insn);
		if (kind) {
			struct x86_syscall_site s;

			__builtin_memset(&s, 0, sizeof(s));
			s.addr = vaddr + w.off;
			s.kind = (uint8_t)kind;
			s.len = (uint8_t)l;
			if (w.prev_len) {
				s.prev_addr = vaddr + w.prev_off;
				s.prev_len = (uint8_t)w.prev_len;
				s.prev_mov_imm = (uint8_t)w.prev_mov;
				s.prev_pc_rel = (uint8_t)w.prev_pc_rel;
				if (w.prev_mov)
					s.nr = w.prev_imm;
			}
			verdict(&w, &s);
			window_verdict(&w, &s, vaddr);
			if (kind == X86_SITE_SYSCALL)
				st.syscalls++;
			else if (kind == X86_SITE_INT80)
				st.int80++;
			else
				st.sysenter++;
			count(&st, &s, +1);
			if (n < max)
				out[n] = s;
			n++;
		}
		note_branches(&br, &insn, code, len, vaddr, w.off, out,
			      n < max ? n : max, &st);
		w.prev_off = w.off;
		w.prev_len = l;
		w.prev_mov = mov_eax_imm(&insn, code + w.off, l, &w.prev_imm);
		w.prev_pc_rel = pc_relative(&insn);
		remember(&w, &insn, l, w.prev_mov && w.prev_imm == 15);
		w.off += (size_t)l;
	}

	nstored = n < max ? n : max;
	if (br.overflow) {
		/* Rare (code dense in 0f 05 bytes): undo nothing, just check
		 * every branch again; marking a site twice is harmless. */
		check_branches(&dec, code, len, vaddr, out, nstored, &st);
	} else {
		for (i = 0; i < br.npending; i++)
			branch_into(out, nstored, br.pending[i], &st);
	}
	if (stats)
		*stats = st;
	return n;
}

size_t x86_scan_syscalls(const uint8_t *code, size_t len, uint64_t vaddr,
			 struct x86_syscall_site *out, size_t max)
{
	return x86_scan_syscalls_ex(code, len, vaddr, out, max, NULL);
}

const char *x86_decline_name(unsigned decline)
{
	static const char *const names[X86_DECLINE_MAX] = {
		[X86_PATCH_OK] = "ok",
		[X86_DECLINE_UNSUPPORTED] = "unsupported (int $0x80, sysenter)",
		[X86_DECLINE_ENCODING] = "syscall with prefixes",
		[X86_DECLINE_NO_PREV] = "no instruction (or under 5 bytes of them) before",
		[X86_DECLINE_PREV_NOT_MOV] = "previous instruction not mov $imm32, %eax",
		[X86_DECLINE_NEAR_RESYNC] = "near undecodable bytes",
		[X86_DECLINE_BRANCH_INSIDE] = "a direct branch targets inside",
		[X86_DECLINE_SIGRETURN] = "rt_sigreturn",
		[X86_DECLINE_UNMOVABLE] = "an instruction before the syscall cannot move",
	};

	return decline < X86_DECLINE_MAX ? names[decline] : "?";
}
