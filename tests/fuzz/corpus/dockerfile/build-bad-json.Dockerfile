FROM base:1
SHELL ["/bin/sh", "-c"
