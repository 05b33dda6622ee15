/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krsi - what the sample policies share
 */
#ifndef KRSI_POLICY_H
#define KRSI_POLICY_H

#define EPERM 1
#define EACCES 13

/*
 * Returns @err if @cond, else 0. Written so that clang keeps a branch: it
 * turns "cond ? -1 : 0" into a negation, after which the 6.12 verifier no
 * longer knows that the result is within [-4095, 0] and refuses the program.
 * The slot is 64-bit: a 32-bit spill is reloaded zero-extended.
 */
#define DENY_IF(cond, err) ({ volatile long __ret = 0; if (cond) __ret = (err); (int)__ret; })

#endif
