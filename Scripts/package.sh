#!/usr/bin/env bash
# Builds the air-gapped release for this machine's architecture into dist/:
#   swift-embed-VERSION-linux-ARCH.tar.gz   bin/embed, share/embed/models/all-MiniLM-L6-v2.embed,
#                                           the licences, an operator README, embed.service
#   swift-embed_VERSION_DEBARCH.deb          the same as a Debian package (built with dpkg-deb)
# The binary is a release build with the Swift runtime and OpenBLAS linked statically, so it runs
# on a bare Debian with nothing but glibc, libstdc++ and libgcc. It builds in its own folder
# (.build-package) and leaves the development builds alone.
# Scripts/release/check.sh proves both artifacts in a minimal Debian chroot without network.
# Usage: Scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

Scripts/install_packages.sh libopenblas-dev liblapacke-dev pkg-config binutils zlib1g-dev
python3 Scripts/fetch_model.py Models/all-MiniLM-L6-v2.json

arch="$(uname -m)"
case "$arch" in
    x86_64) deb_arch=amd64 ;;
    aarch64) deb_arch=arm64 ;;
    *) echo "package: no release layout for $arch" >&2; exit 1 ;;
esac

scratch="$root/.build-package"
static="$scratch/static-libs"
mkdir -p "$static"
# OpenBLAS and zlib (which Foundation and swift-nio's compression link) statically: a pkg-config
# file for OpenBLAS whose -L folder holds only Debian's archives, searched before the system's, so
# the linker cannot pick the shared libraries. OpenBLAS's BLAS part needs neither libgfortran nor
# LAPACK's Fortran objects: the linker takes only what cblas_sgemm reaches.
ln -sf "$(pkg-config --variable=libdir openblas)/libopenblas.a" "$static/libopenblas.a"
ln -sf "/usr/lib/$(gcc -print-multiarch)/libz.a" "$static/libz.a"
cat >"$static/openblas.pc" <<PC
Name: openblas
Description: OpenBLAS, linked statically into the release binary
Version: $(pkg-config --modversion openblas)
Libs: -L$static -lopenblas -lpthread -lm
Cflags: -I$(pkg-config --variable=includedir openblas)
PC

commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || commit+="-modified"
echo "package: release build of $commit (Swift runtime and OpenBLAS static)" >&2
PKG_CONFIG_PATH="$static" swift build -c release --product embed \
    --scratch-path "$scratch" --static-swift-stdlib -Xcc "-DEMBED_BUILD_COMMIT=\"$commit\"" >&2
binary="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/embed"

# Nothing may be loaded from outside glibc, libstdc++/libgcc and libm.
unexpected="$(ldd "$binary" | awk '{print $1}' | grep -vE '^(linux-vdso\.so|/lib64/ld-linux|/lib/ld-linux|libc\.so|libm\.so|libstdc\+\+\.so|libgcc_s\.so|libpthread\.so|libdl\.so|librt\.so)' || true)"
if [ -n "$unexpected" ]; then
    echo "package: $binary needs libraries a bare Debian lacks:" >&2
    echo "$unexpected" >&2
    exit 1
fi

version="$("$binary" --version | awk 'NR == 1 {print $2}')"
name="swift-embed-$version-linux-$arch"
stage="$scratch/stage"
rm -rf "$stage" && mkdir -p "$stage" "$root/dist"

# The tree both artifacts share, under a prefix: bin/, share/embed/models/, share/doc/swift-embed/.
populate() {  # populate PREFIX_DIR
    local prefix="$1"
    mkdir -p "$prefix/bin" "$prefix/share/embed/models" "$prefix/share/doc/swift-embed"
    cp "$stage/embed" "$prefix/bin/embed"
    cp "$root/Models/all-MiniLM-L6-v2.embed.release" "$prefix/share/embed/models/all-MiniLM-L6-v2.embed"
    cp "$root/Scripts/release/README" "$prefix/share/doc/swift-embed/README"
    cp -R "$stage/licenses" "$prefix/share/doc/swift-embed/licenses"
}

# The systemd unit for the binary at $1.
unit() { sed "s#@EMBED@#$1#g" "$root/Scripts/release/embed.service"; }

# The licences of everything the binary and the model bundle, one file or folder per component.
licenses() {
    local into="$1" checkout file
    cp "$(dirname "$(dirname "$(command -v swift)")")/share/swift/LICENSE.txt" "$into/swift.txt"
    cp "$(dpkg -L libopenblas-dev libopenblas0-pthread 2>/dev/null | grep '/copyright$' | head -1)" "$into/openblas.txt"
    cp /usr/share/doc/zlib1g/copyright "$into/zlib.txt"
    # Foundation carries ICU's data and code; Debian's ICU package holds the same licence text.
    file="$(ls /usr/share/doc/libicu*/copyright 2>/dev/null | head -1 || true)"
    [ -n "$file" ] && cp "$file" "$into/icu.txt"
    for checkout in "$scratch"/checkouts/*/; do
        # LICENSE, NOTICE and COPYING files at any depth (vendored code such as BoringSSL and
        # llhttp brings its own), tests and examples aside.
        (cd "$checkout" && find . \( -iname 'LICENSE*' -o -iname 'NOTICE*' -o -iname 'COPYING*' \) -type f \
            -not -path '*/Tests/*' -not -path '*/Examples/*' -not -path './.*') |
            while read -r file; do
                mkdir -p "$into/$(basename "$checkout")/$(dirname "$file")"
                cp "$checkout/$file" "$into/$(basename "$checkout")/$file"
            done
    done
    {
        echo "all-MiniLM-L6-v2 (sentence-transformers), bundled as share/embed/models/all-MiniLM-L6-v2.embed:"
        echo "Apache License 2.0 (its model card's licence field). Its model card follows."
        echo
        cat "$root/Models/all-MiniLM-L6-v2/README.md"
    } >"$into/all-MiniLM-L6-v2.txt"
    cat >"$into/README" <<TXT
Licences of what this release bundles:
  swift.txt              the Swift runtime and Foundation, linked statically (Apache 2.0 with the Runtime Library Exception)
  icu.txt                ICU, inside Foundation (Unicode licence)
  openblas.txt           OpenBLAS $(pkg-config --modversion openblas), linked statically (BSD-3-Clause)
  zlib.txt               zlib, linked statically
  NAME/                  each Swift package linked in (LICENSE and NOTICE files, with those of vendored code)
  all-MiniLM-L6-v2.txt   the bundled model (Apache 2.0)
TXT
}

# The bundled model, converted by the binary being shipped.
"$binary" convert Models/all-MiniLM-L6-v2 Models/all-MiniLM-L6-v2.embed.release --name all-MiniLM-L6-v2 >&2

# What both artifacts ship, made once: the binary without its debug sections (a third of the
# file; the symbol table stays for Swift's backtraces) and the licences.
strip --strip-debug -o "$stage/embed" "$binary"
mkdir -p "$stage/licenses"
licenses "$stage/licenses"

# Tarball: PREFIX = the unpacked folder; the unit expects it at /opt/swift-embed.
tree="$stage/$name"
populate "$tree"
mv "$tree/share/doc/swift-embed/README" "$tree/README"
mv "$tree/share/doc/swift-embed/licenses" "$tree/licenses"
rmdir -p --ignore-fail-on-non-empty "$tree/share/doc/swift-embed"
unit /opt/swift-embed/bin/embed >"$tree/embed.service"
cp "$root/Scripts/release/embed.default" "$tree/embed.env"
tar -C "$stage" --owner=0 --group=0 -czf "$root/dist/$name.tar.gz" "$name"

# Debian package: /usr/bin/embed, /usr/share/embed/models/, the unit (not enabled), the
# conffile /etc/default/embed. No maintainer scripts: dpkg removes the files, --purge the conffile.
package="$stage/deb"
populate "$package/usr"
mkdir -p "$package/lib/systemd/system" "$package/etc/default" "$package/DEBIAN"
unit /usr/bin/embed >"$package/lib/systemd/system/embed.service"
cp "$root/Scripts/release/embed.default" "$package/etc/default/embed"
# Debian's copyright file, with the bundled licences beside it.
{
    echo "swift-embed $version ($commit) bundles, linked statically or as data, the components"
    echo "whose licences are in /usr/share/doc/swift-embed/licenses/."
} >"$package/usr/share/doc/swift-embed/copyright"
glibc="$(objdump -T "$package/usr/bin/embed" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
cat >"$package/DEBIAN/control" <<CONTROL
Package: swift-embed
Version: $version
Architecture: $deb_arch
Maintainer: swift-embed maintainers <swift-embed@localhost>
Installed-Size: $(du -sk "$package" --exclude=DEBIAN | cut -f1)
Depends: libc6 (>= $glibc), libstdc++6, libgcc-s1
Section: utils
Priority: optional
Description: local-first text embeddings (OpenAI, Ollama and TEI compatible server)
 embed turns text into embedding vectors with its own forward pass (BERT, MPNet,
 DistilBERT, XLM-RoBERTa, ModernBERT, NomicBERT), offline, and serves them over
 OpenAI-, Ollama- and TEI-compatible HTTP. Bundles all-MiniLM-L6-v2.
 The systemd unit embed.service is installed but not enabled.
CONTROL
echo /etc/default/embed >"$package/DEBIAN/conffiles"
chmod -R u=rwX,go=rX "$package"
dpkg-deb --root-owner-group -Zxz --build "$package" "$root/dist/swift-embed_${version}_$deb_arch.deb" >&2
rm -f Models/all-MiniLM-L6-v2.embed.release

ls -l "$root/dist/$name.tar.gz" "$root/dist/swift-embed_${version}_$deb_arch.deb"
