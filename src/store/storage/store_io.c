#include "storage/store_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../store_internal.h"

void ps_store_set_io(ps_store *st, const ps_store_io *io)
{
	st->io = io;
}

const ps_store_io *ps_store_get_io(const ps_store *st)
{
	return st->io;
}

mode_t ps_store_file_mode(const ps_store *st)
{
	return st->file_mode;
}

int ps_io_open(const ps_store_io *io, const char *path, int flags, mode_t mode)
{
	return io && io->open ? io->open(io->ud, path, flags, mode) : open(path, flags, mode);
}

int ps_io_mkdir(const ps_store_io *io, const char *path, mode_t mode)
{
	return io && io->mkdir ? io->mkdir(io->ud, path, mode) : mkdir(path, mode);
}

int ps_io_mkostemp(const ps_store_io *io, char *tmpl, int flags)
{
	return io && io->mkostemp ? io->mkostemp(io->ud, tmpl, flags) : mkostemp(tmpl, flags);
}

int ps_io_fsync(const ps_store_io *io, int fd)
{
	return io && io->fsync ? io->fsync(io->ud, fd) : fsync(fd);
}

int ps_io_close(const ps_store_io *io, int fd)
{
	return io && io->close ? io->close(io->ud, fd) : close(fd);
}

int ps_io_rename(const ps_store_io *io, const char *from, const char *to, unsigned flags)
{
	if (io && io->rename)
		return io->rename(io->ud, from, to, flags);
	return flags ? renameat2(AT_FDCWD, from, AT_FDCWD, to, flags) : rename(from, to);
}

int ps_io_syncfs(const ps_store_io *io, int fd)
{
	return io && io->syncfs ? io->syncfs(io->ud, fd) : syncfs(fd);
}

int ps_io_link(const ps_store_io *io, const char *from, const char *to)
{
	return io && io->link ? io->link(io->ud, from, to) : link(from, to);
}

int ps_io_unlink(const ps_store_io *io, const char *path)
{
	return io && io->unlink ? io->unlink(io->ud, path) : unlink(path);
}

const parq_io *ps_io_parq(const ps_store_io *io, parq_io *pio)
{
	if (!io)
		return NULL;
	*pio = (parq_io){io->write, io->copy_file_range, io->fsync, io->ud};
	return pio;
}
