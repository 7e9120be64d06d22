/* Open files: the console (COM1), read-only initrd files, and pipes.
 * File descriptors index a per-process table of pointers into a global
 * table of reference-counted open files. */
#include "../include/vmsim_syscalls.h"
#include "cpio.h"
#include "kernel.h"

enum file_type { F_NONE = 0, F_CONSOLE, F_INITRD, F_PIPE_R, F_PIPE_W };

#define PIPE_SIZE 4096
#define MAX_FILES 128
#define MAX_PIPES 32

struct pipe {
  int used;
  uint8_t* buf; /* one frame */
  uint64_t rpos, wpos; /* total bytes read / written */
  int readers, writers;
};

struct file {
  enum file_type type;
  int refs;
  const uint8_t* data;
  uint64_t size, off;
  struct pipe* pipe;
};

static struct file g_files[MAX_FILES];
static struct pipe g_pipes[MAX_PIPES];

static struct file* file_alloc(enum file_type t) {
  for (int i = 0; i < MAX_FILES; ++i)
    if (g_files[i].refs == 0) {
      g_files[i] = (struct file){.type = t, .refs = 1};
      return &g_files[i];
    }
  return 0;
}

static void file_put(struct file* f) {
  if (--f->refs > 0) return;
  if (f->type == F_PIPE_R || f->type == F_PIPE_W) {
    struct pipe* p = f->pipe;
    if (f->type == F_PIPE_R) --p->readers;
    else --p->writers;
    wakeup(p);
    if (p->readers == 0 && p->writers == 0) {
      fa_put(&g_frames, v2p(p->buf) / PAGE_SIZE);
      p->used = 0;
    }
  }
  f->type = F_NONE;
}

/* A pipe counts its open files (readers, writers); descriptors and forks
 * share a file through its reference count. */
static void file_get(struct file* f) { ++f->refs; }

void file_init_console(struct proc* p) {
  struct file* f = file_alloc(F_CONSOLE);
  if (!f) panic("no file for the console");
  f->refs = 3;
  p->fd[0] = p->fd[1] = p->fd[2] = f;
}

void file_dup_all(struct proc* parent, struct proc* child) {
  for (int i = 0; i < MAX_FDS; ++i)
    if ((child->fd[i] = parent->fd[i])) file_get(child->fd[i]);
}

void file_close_all(struct proc* p) {
  for (int i = 0; i < MAX_FDS; ++i)
    if (p->fd[i]) {
      file_put(p->fd[i]);
      p->fd[i] = 0;
    }
}

static struct file* fd_file(int64_t fd) {
  if (fd < 0 || fd >= MAX_FDS) return 0;
  return g_current->fd[fd];
}

static int fd_alloc(struct file* f) {
  for (int i = 0; i < MAX_FDS; ++i)
    if (!g_current->fd[i]) {
      g_current->fd[i] = f;
      return i;
    }
  return -EMFILE;
}

int64_t sys_read(int64_t fd, uint64_t buf, uint64_t len) {
  struct file* f = fd_file(fd);
  if (!f) return -EBADF;
  if (uaccess(&g_current->mm, buf, len, 1)) return -EFAULT;
  switch (f->type) {
    case F_CONSOLE: return 0; /* no console input: end of file */
    case F_INITRD: {
      uint64_t n = f->off < f->size ? f->size - f->off : 0;
      if (n > len) n = len;
      memcpy((void*)buf, f->data + f->off, n);
      f->off += n;
      return (int64_t)n;
    }
    case F_PIPE_R: {
      struct pipe* p = f->pipe;
      while (p->wpos == p->rpos) {
        if (p->writers == 0) return 0;
        if (g_verbose > 1) kprintf("kernel: pid %d sleeps on pipe read, writers %d readers %d\n", g_current->pid, p->writers, p->readers);
        sleep_on(p);
      }
      uint64_t n = p->wpos - p->rpos;
      if (n > len) n = len;
      for (uint64_t i = 0; i < n; ++i) ((uint8_t*)buf)[i] = p->buf[(p->rpos + i) % PIPE_SIZE];
      p->rpos += n;
      wakeup(p);
      return (int64_t)n;
    }
    default: return -EBADF;
  }
}

int64_t sys_write(int64_t fd, uint64_t buf, uint64_t len) {
  struct file* f = fd_file(fd);
  if (!f) return -EBADF;
  if (uaccess(&g_current->mm, buf, len, 0)) return -EFAULT;
  switch (f->type) {
    case F_CONSOLE: console_write((const char*)buf, len); return (int64_t)len;
    case F_PIPE_W: {
      struct pipe* p = f->pipe;
      uint64_t done = 0;
      while (done < len) {
        /* Writes of at most PIPE_SIZE bytes are atomic (POSIX PIPE_BUF). */
        uint64_t want = len - done < PIPE_SIZE ? len - done : PIPE_SIZE;
        if (p->readers == 0) return done ? (int64_t)done : -EPIPE;
        uint64_t space = PIPE_SIZE - (p->wpos - p->rpos);
        if (space < want && (len <= PIPE_SIZE || space == 0)) {
          sleep_on(p);
          continue;
        }
        uint64_t n = want < space ? want : space;
        for (uint64_t i = 0; i < n; ++i) p->buf[(p->wpos + i) % PIPE_SIZE] = ((const uint8_t*)buf)[done + i];
        p->wpos += n;
        done += n;
        wakeup(p);
      }
      return (int64_t)done;
    }
    default: return -EBADF;
  }
}

int64_t sys_openat(int64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode) {
  (void)dirfd;
  (void)mode;
  char path[256];
  int r = ustring(&g_current->mm, upath, path, sizeof path);
  if (r < 0) return r == -E2BIG ? -ENOENT : r;
  if ((flags & 3) != O_RDONLY && strcmp(path, "/dev/console") != 0) return -EPERM;
  struct file* f;
  if (!strcmp(path, "/dev/console")) {
    f = file_alloc(F_CONSOLE);
    if (!f) return -ENFILE;
  } else {
    struct cpio_file cf;
    if (cpio_find(g_initrd, g_initrd_size, path, &cf) != 1) return -ENOENT;
    f = file_alloc(F_INITRD);
    if (!f) return -ENFILE;
    f->data = cf.data;
    f->size = cf.size;
  }
  int fd = fd_alloc(f);
  if (fd < 0) file_put(f);
  return fd;
}

int64_t sys_close(int64_t fd) {
  struct file* f = fd_file(fd);
  if (!f) return -EBADF;
  g_current->fd[fd] = 0;
  file_put(f);
  return 0;
}

int64_t sys_dup2(int64_t oldfd, int64_t newfd) {
  struct file* f = fd_file(oldfd);
  if (!f || newfd < 0 || newfd >= MAX_FDS) return -EBADF;
  if (oldfd == newfd) return newfd;
  if (g_current->fd[newfd]) file_put(g_current->fd[newfd]);
  file_get(f);
  g_current->fd[newfd] = f;
  return newfd;
}

int64_t sys_pipe2(uint64_t ufds, uint64_t flags) {
  (void)flags;
  if (uaccess(&g_current->mm, ufds, 8, 1)) return -EFAULT;
  struct pipe* p = 0;
  for (int i = 0; i < MAX_PIPES; ++i)
    if (!g_pipes[i].used) {
      p = &g_pipes[i];
      break;
    }
  if (!p) return -ENFILE;
  struct file* r = file_alloc(F_PIPE_R);
  if (!r) return -ENFILE;
  struct file* w = file_alloc(F_PIPE_W);
  if (!w) {
    r->refs = 0;
    return -ENFILE;
  }
  *p = (struct pipe){.used = 1, .buf = p2v(frame_alloc_zeroed()), .readers = 1, .writers = 1};
  r->pipe = w->pipe = p;
  int fr = fd_alloc(r);
  if (fr < 0) {
    file_put(r);
    file_put(w);
    return fr;
  }
  int fw = fd_alloc(w);
  if (fw < 0) {
    g_current->fd[fr] = 0;
    file_put(r);
    file_put(w);
    return fw;
  }
  ((int32_t*)ufds)[0] = fr;
  ((int32_t*)ufds)[1] = fw;
  return 0;
}
