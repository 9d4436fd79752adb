// SPDX-License-Identifier: MIT
/* Linked statically for test-elfinfo: the smallest statically linked executable. */
int main(void)
{
	return 0;
}
