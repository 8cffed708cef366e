/* lock.c: a disk's lock, FILE.lock. The native tenders hold flock(LOCK_EX) on
 * it for as long as they (and spt's guest process, which inherits the fd)
 * live, and write `PID\nflock\n` in it: the kernel lock is what counts, so a
 * lock whose tender was killed is free at once, and a tender in another PID
 * namespace (another container on the same volume) is seen, where its pid
 * would mean nothing. The Node tender writes `PID\n` only (it cannot flock):
 * its lock is live while that pid is (in this PID namespace), and the Node
 * tender reads a native tender's lock from /proc/locks
 * (targets/node/src/block/lock.ts). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"

/* The second line of a native tender's lock file. */
#define FLOCK_MARK "flock"

/* What a lock file holds: its pid (0 if none or not a number) and whether a
 * native tender wrote it (the FLOCK_MARK line). */
static long read_lock(int fd, bool *native) {
    char buf[64];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    *native = false;
    if (n <= 0) return 0;
    buf[n] = '\0';
    char *end;
    errno = 0;
    long pid = strtol(buf, &end, 10);
    if (errno != 0 || end == buf || pid <= 0 || pid > INT32_MAX) return 0;
    *native = strncmp(end, "\n" FLOCK_MARK "\n", sizeof FLOCK_MARK + 1) == 0;
    return pid;
}

/* Whether process `pid` still holds what it had open: it exists and is not a
 * zombie (one killed whose parent has not reaped it yet has closed its files). */
static bool holder_alive(pid_t pid) {
    if (kill(pid, 0) != 0 && errno != EPERM) return false;
    char path[32], stat[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return true; /* no /proc: trust kill() */
    ssize_t n = read(fd, stat, sizeof stat - 1);
    close(fd);
    if (n <= 0) return true;
    stat[n] = '\0';
    const char *paren = strrchr(stat, ')'); /* "pid (comm) STATE ..."; comm may hold anything */
    return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

/* Whether `fd` is still the file at `path`: a tender that ends removes its
 * lock file, and one that opened it just before holds a lock on nothing. */
static bool still_there(int fd, const char *path) {
    struct stat a, b;
    return fstat(fd, &a) == 0 && a.st_nlink > 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

void host_disk_lock(struct tender *t, struct tender_device *d, const char *file) {
    size_t n = strlen(file);
    char *lock = malloc(n + sizeof ".lock");
    if (lock == NULL) tender_fail(t, TENDER_EXIT_ERROR, "%s: out of memory", d->given);
    memcpy(lock, file, n);
    memcpy(lock + n, ".lock", sizeof ".lock");
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot lock it: %s: %s", d->given, lock, strerror(errno));
        bool native;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            long pid = read_lock(fd, &native);
            close(fd);
            if (e == EWOULDBLOCK)
                tender_fail(t, TENDER_EXIT_ERROR,
                            "%s: in use by another tender (pid %ld in its own PID namespace, which may be another "
                            "container's; its lock is %s): stop that one first",
                            d->given, pid, lock);
            tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot lock it: %s: %s", d->given, lock, strerror(e));
        }
        if (!still_there(fd, lock)) { /* removed by the tender that had it: open the new one */
            close(fd);
            continue;
        }
        /* Ours now, unless a Node tender (no kernel lock) still runs: a native tender's pid line is stale. */
        long pid = read_lock(fd, &native);
        if (!native && pid > 0 && pid != (long)getpid() && holder_alive((pid_t)pid)) {
            close(fd);
            tender_fail(t, TENDER_EXIT_ERROR, "%s: in use by another tender (pid %ld; its lock is %s)", d->given, pid,
                        lock);
        }
        char text[40];
        int len = snprintf(text, sizeof text, "%ld\n" FLOCK_MARK "\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len) {
            const char *why = strerror(errno);
            unlink(lock);
            close(fd);
            tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot lock it: cannot write %s: %s", d->given, lock, why);
        }
        d->lock_path = lock;
        d->lock_fd = fd;
        return;
    }
    tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot lock it (%s keeps being replaced)", d->given, lock);
}
