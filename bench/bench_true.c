// SPDX-License-Identifier: GPL-2.0
/* krsi - the static binary the exec workload runs */
int main(void)
{
	return 0;
}
