#!/bin/sh
# A stand-in for the slimllm CLI, for running the chart's model bootstrap script (rendered into
# the <release>-models ConfigMap) without a cluster. State lives in $FAKE_DIR:
#   store      one model name per line (what `list` shows)
#   calls      every invocation, one per line
#   fail_pull  names whose pull fails
#   serve_mode "exit" makes `serve` exit at once (a server that cannot start)
set -u
dir=${FAKE_DIR:?FAKE_DIR must be set}
touch "$dir/store" "$dir/fail_pull"
echo "$*" >>"$dir/calls"
cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  serve)
    [ "$(cat "$dir/serve_mode" 2>/dev/null)" = exit ] && exit 1
    echo $$ >"$dir/serving"
    trap 'rm -f "$dir/serving"; exit 0' TERM
    while :; do sleep 0.1; done
    ;;
  ps)
    [ -f "$dir/serving" ] || exit 1
    echo "NAME    ID    SIZE    PROCESSOR    CONTEXT    UNTIL"
    ;;
  list)
    [ -f "$dir/serving" ] || exit 1
    echo "NAME    ID    SIZE    MODIFIED"
    sed 's/$/    0123456789ab    1.0 GB    1 minute ago/' "$dir/store"
    ;;
  show)
    grep -Fqx "$1" "$dir/store"
    ;;
  pull)
    [ "$1" = --insecure ] && shift
    grep -Fqx "$1" "$dir/fail_pull" && { echo "Error: pull failed" >&2; exit 1; }
    grep -Fqx "$1" "$dir/store" || echo "$1" >>"$dir/store"
    ;;
  create)
    name=$1
    [ "$2" = -f ] || exit 64
    case $name in *:*) ;; *) name=$name:latest ;; esac
    grep -Fqx "$name" "$dir/store" || echo "$name" >>"$dir/store"
    ;;
  rm)
    grep -Fvx "$1" "$dir/store" >"$dir/store.new"
    mv "$dir/store.new" "$dir/store"
    echo "deleted '$1'"
    ;;
  *)
    echo "fake slimllm: unknown command $cmd" >&2
    exit 64
    ;;
esac
