// The one header through which Swift sees zlib (Debian: zlib1g-dev; part of the macOS SDK). Only
// EmbedTestSupport uses it, to read the tests' gzip-compressed golden files.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>
#endif
