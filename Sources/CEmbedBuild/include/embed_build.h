#ifndef EMBED_BUILD_H
#define EMBED_BUILD_H

/// The commit a release binary was built from, stamped by `Scripts/package.sh` with
/// `-Xcc -DEMBED_BUILD_COMMIT='"…"'`; an empty string in any other build. C, because a Swift
/// compilation condition carries no value and a generated Swift file would dirty the checkout.
const char *embed_build_commit(void);

#endif
