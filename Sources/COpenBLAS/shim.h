// The one header through which Swift sees OpenBLAS (Debian: libopenblas-dev).
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>
#endif
