/*
 * OCI layers are tar, tar+gzip or tar+zstd; docker save writes plain or
 * gzip tars; bzip2 and xz are what else a rootfs tarball for husk import
 * or ADD is commonly found in. The "none" filter is always on.
 */
#include <archive.h>

#include "layer_filters.h"

void layer_filters_enable(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
}
