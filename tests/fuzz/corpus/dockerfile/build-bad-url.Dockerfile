FROM base:1
ADD https://example.com/file.tar.gz /
