/*
 * The compressions husk reads layers and image archives in. Naming them
 * one by one (rather than archive_read_support_filter_all) keeps the
 * statically linked husk free of libarchive's other readers and of the
 * libraries behind them (lz4, lzo, external programs).
 */
#ifndef HUSK_LAYER_FILTERS_H
#define HUSK_LAYER_FILTERS_H

struct archive;

/* gzip, bzip2, xz (and lzma) and zstd, plus no compression at all. */
void layer_filters_enable(struct archive *a);

#endif
