#!/bin/sh
# Build the source tree of one AccrediTrack backend release.
#
#   sh releases/apply.sh RELEASE DEST
#
# RELEASE is a directory beside this script (v1, v2, ...). Its optional file
# BASE names the release it builds on; the chain of BASE files is followed
# back to a release without one, then every overlay of the chain is applied
# onto DEST (normally a copy of src/), oldest first:
#   1. the paths listed in the overlay's optional DELETE file (one path a
#      line, relative to DEST; blank lines and lines starting with # are
#      skipped) are removed from DEST;
#   2. every other entry of the overlay, except BASE and DELETE, is copied
#      onto DEST with `cp -R` (directories merge, files are replaced).
# Finally the release name is written to DEST/config/RELEASE (read by the
# settings when APP_RELEASE is not in the environment).
set -eu

prog=apply.sh
die() {
    echo "$prog: $*" >&2
    exit 1
}

[ "$#" -eq 2 ] || {
    echo "usage: $prog RELEASE DEST" >&2
    exit 2
}
release=$1
dest=$2
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)

known() {
    for d in "$here"/*/; do
        [ -d "$d" ] || continue
        d=${d%/}
        printf ' %s' "${d##*/}"
    done
}

[ -d "$dest" ] || die "destination '$dest' is not a directory"

# Resolve the BASE chain, newest first, then reverse it into $chain.
chain=
name=$release
depth=0
while :; do
    case $name in
        '' | . | .. | */* | -*) die "invalid release name '$name'" ;;
    esac
    [ -d "$here/$name" ] || die "unknown release '$name' (known:$(known))"
    case " $chain " in
        *" $name "*) die "BASE cycle through release '$name'" ;;
    esac
    chain="$name${chain:+ $chain}"
    depth=$((depth + 1))
    [ "$depth" -le 100 ] || die "BASE chain of '$release' is too long"
    [ -f "$here/$name/BASE" ] || break
    base=$(sed -n '/[^[:space:]]/{s/^[[:space:]]*//;s/[[:space:]]*$//;p;q;}' "$here/$name/BASE")
    [ -n "$base" ] || die "release '$name' has an empty BASE file"
    name=$base
done

for name in $chain; do
    overlay=$here/$name
    if [ -f "$overlay/DELETE" ]; then
        while IFS= read -r path || [ -n "$path" ]; do
            path=$(printf '%s' "$path" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//')
            case $path in
                '' | '#'*) continue ;;
                /* | .. | ../* | */.. | */../*) die "$name/DELETE: refusing path '$path'" ;;
            esac
            rm -rf -- "${dest:?}/$path"
        done <"$overlay/DELETE"
    fi
    for entry in "$overlay"/* "$overlay"/.[!.]* "$overlay"/..?*; do
        [ -e "$entry" ] || continue
        case ${entry##*/} in
            BASE | DELETE) continue ;;
        esac
        cp -R "$entry" "$dest/"
    done
    echo "$prog: applied $name onto $dest"
done

mkdir -p "$dest/config"
printf '%s\n' "$release" >"$dest/config/RELEASE"
