FROM base:1
RUN echo failing; exit 3
