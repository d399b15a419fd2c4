#include "embed_build.h"

#ifndef EMBED_BUILD_COMMIT
#define EMBED_BUILD_COMMIT ""
#endif

const char *embed_build_commit(void) { return EMBED_BUILD_COMMIT; }
