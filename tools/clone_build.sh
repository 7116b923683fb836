#!/usr/bin/env bash
# Developer tool: makes a git worktree of this repository with a copy of an up-to-date build
# folder, so a second line of work starts with an incremental build instead of a full one.
#   tools/clone_build.sh BRANCH DEST [BUILD]   (BUILD: the folder to copy, default build)
# The copy's absolute paths are rewritten to DEST; sources get the commit's time and objects
# keep theirs, so make rebuilds only what differs from the commit the build was made from.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
branch=$1
dest=$2
build=${3:-build}
git -C "$src" worktree add -q -b "$branch" "$dest" HEAD
# Every tracked file older than the build's objects.
(cd "$dest" && git ls-files -z | xargs -0 touch -d '2000-01-01')
cp -a "$src/$build" "$dest/$build"
# Rewritten in place with their times kept (a newer flags.make would rebuild everything).
# A flags.make whose macros carry a path (tests' -DSLIMLLM_DATA="...") is left newer, so its
# target's objects recompile with the new paths instead of reading the source tree's files.
grep -rlI --null "$src" "$dest/$build" | while IFS= read -r -d '' f; do
  stamp=$(stat -c %y "$f")
  sed -i "s#$src#$dest#g" "$f"
  if [[ $(basename "$f") == flags.make ]] && grep -qF "=\\\"$dest" "$f"; then continue; fi
  touch -d "$stamp" "$f"
done
echo "clone_build: $dest on branch $branch, build in $dest/$build"
