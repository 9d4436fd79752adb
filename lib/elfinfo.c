// SPDX-License-Identifier: MIT
#include "elfinfo.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ELF_NATIVE_DATA ELFDATA2LSB
#else
#define ELF_NATIVE_DATA ELFDATA2MSB
#endif

/* Reads exactly len bytes at off; false on a short read or an error. */
static bool read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n >= 0 && (size_t)n == len;
}

bool elfinfo_is_static(const char *path)
{
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph;
	struct stat st;
	bool is_static = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !read_at(fd, &eh, sizeof(eh), 0))
		goto out_close;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
	    eh.e_ident[EI_DATA] != ELF_NATIVE_DATA ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(ph) ||
	    eh.e_phnum == 0 || eh.e_phnum == PN_XNUM || eh.e_phoff == 0 ||
	    (off_t)eh.e_phoff > st.st_size)
		goto out_close;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (!read_at(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (ElfW(Off))i * sizeof(ph))))
			goto out_close;
		if (ph.p_type == PT_INTERP)
			goto out_close; /* the dynamic loader: linked dynamically */
	}
	is_static = true;
out_close:
	close(fd);
	return is_static;
}
