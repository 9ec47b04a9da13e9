#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nothing is assumed pre-installed: every command, header, library and
# Python module the build, tests and demo use comes from a package that
# scripts/install-deps installs (or that every Debian 12 has).
cd "$(dirname "$0")/../.." || exit 1
exec scripts/check-deps
