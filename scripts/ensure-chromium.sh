#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright. Install it when missing and we may (root,
# apt-get); otherwise say what is missing (the browser tests then skip locally and fail under CI=true).
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
  echo "error: apt-get install chromium failed" >&2
  exit 1
fi
echo "warning: chromium is not installed (apt-get install chromium); the browser tests will be skipped" >&2
exit 0
