#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# krsi - run krsi_lock_test, which locks krsi until reboot: the runner runs
# this after every other test but the kmemleak scan (see Makefile).
dir=$(dirname "$0")
# krsictl as the kselftest build installs it, beside the test.
PATH=$dir:$PATH exec "$dir/krsi_lock_test"
