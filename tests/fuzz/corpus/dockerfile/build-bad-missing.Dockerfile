FROM base:1
COPY not-there.txt /x
