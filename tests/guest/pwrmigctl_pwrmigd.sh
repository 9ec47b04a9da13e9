#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmigctl's guest suite (tests/guest/pwrmigctl.sh) against the other back
# end: pwrmigd serving the family on its socket, the module not loaded.
PWRMIGCTL_BACKEND=pwrmigd exec bash "$(dirname "$0")/pwrmigctl.sh"
