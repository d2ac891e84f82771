FROM base:1 AS a
COPY --from=b /x /y

FROM base:1 AS b
COPY --from=a /x /y
