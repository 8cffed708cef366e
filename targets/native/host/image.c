/* image.c: reads a native image (a static x86_64 or aarch64 ELF) and validates every
 * field the tender uses, overflow-safely; then computes the guest memory layout. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"

/* The architecture this tender was built for, which is the only one whose images it runs. */
#if defined(__aarch64__)
#define TENDER_ELF_MACHINE EM_AARCH64
#define TENDER_ELF_MACHINE_NAME "aarch64"
#else
#define TENDER_ELF_MACHINE EM_X86_64
#define TENDER_ELF_MACHINE_NAME "x86_64"
#endif

/* Images larger than this are refused before they are read. */
#define IMAGE_MAX_BYTES (1ull << 30)

static const char *target_name(uint32_t target) {
    return target == TESSERA_TARGET_SPT   ? "spt"
           : target == TESSERA_TARGET_HVT ? "hvt"
           : target == TESSERA_TARGET_VIRTIO_X86_64 ? "virtio-x86_64"
                                          : "?";
}

/* True if [off, off+len) lies inside a file of `size` bytes. */
static bool in_file(uint64_t off, uint64_t len, uint64_t size) {
    return off <= size && len <= size - off;
}

static void read_file(struct tender *t) {
    const char *path = t->options.image;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) tender_fail(t, TENDER_EXIT_ERROR, "%s: file not found", path);
        tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot open it: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) tender_fail(t, TENDER_EXIT_ERROR, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) tender_fail(t, TENDER_EXIT_ERROR, "%s: is a directory", path);
    if (!S_ISREG(st.st_mode)) tender_fail(t, TENDER_EXIT_ERROR, "%s: not a regular file", path);
    if ((uint64_t)st.st_size > IMAGE_MAX_BYTES)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: %lld bytes is too large for an image (at most 1 GiB)", path,
                    (long long)st.st_size);
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL) tender_fail(t, TENDER_EXIT_ERROR, "%s: out of memory reading it", path);
    size_t done = 0;
    while (done < size) {
        ssize_t n = pread(fd, buf + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot read it: %s", path, strerror(errno));
        if (n == 0) tender_fail(t, TENDER_EXIT_ERROR, "%s: it got shorter while being read", path);
        done += (size_t)n;
    }
    close(fd);
    t->image.file = buf;
    t->image.file_size = size;
}

static void check_header(struct tender *t, const Elf64_Ehdr *eh) {
    const char *path = t->options.image;
    const struct tender_image *img = &t->image;
    if (img->file_size >= 4 && memcmp(img->file, "\0asm", 4) == 0)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: is a WebAssembly image; run it with tessera run (the Node tender), or build a native one "
                    "with tessera build APP --target %s",
                    path, target_name(t->target));
    if (img->file_size < sizeof(Elf64_Ehdr) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: not a Tessera native image (not an ELF file); build one with tessera build APP --target %s",
                    path, target_name(t->target));
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        (eh->e_machine != EM_X86_64 && eh->e_machine != EM_AARCH64))
        tender_fail(t, TENDER_EXIT_ERROR, "%s: not an x86_64 or aarch64 ELF (64-bit, little-endian)", path);
    /* A tender runs images of its own architecture: spt-aarch64 images on tessera-spt built for aarch64. */
    if (eh->e_machine != TENDER_ELF_MACHINE)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: this image is for %s and this %s runs %s images (tessera run picks the right tender)",
                    path, eh->e_machine == EM_AARCH64 ? "aarch64" : "x86_64", t->prog, TENDER_ELF_MACHINE_NAME);
    if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: unknown ELF version", path);
    if (eh->e_type != ET_EXEC)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: not a static executable (ELF type %u); native images are linked at 0x%x, not as PIE or a "
                    "shared object",
                    path, (unsigned)eh->e_type, TESSERA_IMAGE_BASE);
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
        !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), img->file_size) ||
        eh->e_phoff % 8 != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged ELF: its program headers are not inside the file", path);
}

/* The section header table, or NULL if there is none; validated. */
static const Elf64_Shdr *sections(struct tender *t, const Elf64_Ehdr *eh, size_t *count) {
    *count = 0;
    if (eh->e_shoff == 0 || eh->e_shnum == 0) return NULL;
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % 8 != 0 ||
        !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), t->image.file_size))
        tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged ELF: its section headers are not inside the file",
                    t->options.image);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(t->image.file + eh->e_shoff);
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_NOBITS && sh[i].sh_type != SHT_NULL &&
            !in_file(sh[i].sh_offset, sh[i].sh_size, t->image.file_size))
            tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged ELF: section %zu is not inside the file", t->options.image,
                        i);
    }
    *count = eh->e_shnum;
    return sh;
}

/* The NUL-terminated name at `off` in string table section `strtab`, or "" if out of bounds. */
static const char *string_at(const struct tender_image *img, const Elf64_Shdr *strtab, uint64_t off) {
    if (strtab->sh_type != SHT_STRTAB || off >= strtab->sh_size) return "";
    const char *s = (const char *)img->file + strtab->sh_offset + off;
    return memchr(s, '\0', strtab->sh_size - off) ? s : "";
}

struct notes_seen {
    bool abi, target, devices;
};

static void parse_note(struct tender *t, uint32_t type, const uint8_t *desc, uint32_t descsz, struct notes_seen *seen) {
    const char *path = t->options.image;
    struct tender_image *img = &t->image;
    switch (type) {
    case TESSERA_NOTE_ABI:
        if (descsz != 4) tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged Tessera ABI note", path);
        memcpy(&img->abi_version, desc, 4);
        seen->abi = true;
        break;
    case TESSERA_NOTE_TARGET:
        if (descsz != 4) tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged Tessera target note", path);
        memcpy(&img->target, desc, 4);
        seen->target = true;
        break;
    case TESSERA_NOTE_DEVICES: {
        uint32_t count;
        if (descsz < 4) tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged Tessera device note", path);
        memcpy(&count, desc, 4);
        if (count > TESSERA_MAX_DEVICES || descsz != 4 + (uint64_t)count * sizeof(struct tessera_note_device))
            tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged Tessera device note (%u devices in %u bytes)", path, count,
                        descsz);
        for (uint32_t i = 0; i < count; i++) {
            struct tessera_note_device d;
            memcpy(&d, desc + 4 + i * sizeof d, sizeof d);
            bool padded = d.name_len <= TENDER_NAME_MAX;
            for (size_t k = d.name_len; padded && k < sizeof d.name; k++) padded = d.name[k] == '\0';
            if ((d.kind != TESSERA_DEVICE_NET && d.kind != TESSERA_DEVICE_BLOCK) || !padded ||
                !host_valid_name(d.name, d.name_len))
                tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged Tessera device note (device %u)", path, i);
            for (uint32_t j = 0; j < i; j++) {
                if (img->devices[j].name_len == d.name_len && memcmp(img->devices[j].name, d.name, d.name_len) == 0)
                    tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged Tessera device note (\"%s\" twice)", path, d.name);
            }
            img->devices[i] = d;
        }
        img->device_count = count;
        seen->devices = true;
        break;
    }
    default:
        break; /* the manifest (TESSERA_NOTE_MANIFEST) and notes of later versions */
    }
}

/* Walks the notes in [off, off+size) of the file (4-byte aligned, ELF64 note headers). */
static void parse_notes(struct tender *t, uint64_t off, uint64_t size, struct notes_seen *seen) {
    const uint8_t *p = t->image.file + off;
    uint64_t at = 0;
    while (size - at >= 12) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, p + at, 4);
        memcpy(&descsz, p + at + 4, 4);
        memcpy(&type, p + at + 8, 4);
        at += 12;
        uint64_t name_padded = ((uint64_t)namesz + 3) & ~3ull;
        uint64_t desc_padded = ((uint64_t)descsz + 3) & ~3ull;
        if (name_padded > size - at || desc_padded > size - at - name_padded)
            tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged ELF note", t->options.image);
        const char *name = (const char *)p + at;
        const uint8_t *desc = p + at + name_padded;
        at += name_padded + desc_padded;
        if (namesz == sizeof TESSERA_NOTE_NAME && memcmp(name, TESSERA_NOTE_NAME, sizeof TESSERA_NOTE_NAME) == 0)
            parse_note(t, type, desc, descsz, seen);
    }
}

static void find_notes(struct tender *t, const Elf64_Ehdr *eh, const Elf64_Shdr *sh, size_t shnum) {
    const char *path = t->options.image;
    struct notes_seen seen = {0};
    bool found = false;
    const Elf64_Shdr *names = eh->e_shstrndx < shnum ? &sh[eh->e_shstrndx] : NULL;
    for (size_t i = 0; i < shnum && names; i++) {
        if (sh[i].sh_type == SHT_NOTE && strcmp(string_at(&t->image, names, sh[i].sh_name), ".note.tessera") == 0) {
            parse_notes(t, sh[i].sh_offset, sh[i].sh_size, &seen);
            found = true;
        }
    }
    if (!found) { /* no section headers: the PT_NOTE segments */
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(t->image.file + eh->e_phoff);
        for (size_t i = 0; i < eh->e_phnum; i++) {
            if (ph[i].p_type != PT_NOTE) continue;
            if (!in_file(ph[i].p_offset, ph[i].p_filesz, t->image.file_size))
                tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged ELF: a note segment is not inside the file", path);
            parse_notes(t, ph[i].p_offset, ph[i].p_filesz, &seen);
        }
    }
    if (!seen.abi && !seen.target && !seen.devices)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: not a Tessera native image (it has no .note.tessera); build one with tessera build APP "
                    "--target %s",
                    path, target_name(t->target));
    if (!seen.abi)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: image has no Tessera ABI note; it was not built with tessera build",
                    path);
    if (t->image.abi_version != TESSERA_ABI_VERSION)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: image was built for Tessera ABI v%u; this host speaks v%u (rebuild it with this version of "
                    "tessera)",
                    path, t->image.abi_version, TESSERA_ABI_VERSION);
    if (!seen.target || (t->image.target != TESSERA_TARGET_SPT && t->image.target != TESSERA_TARGET_HVT &&
                         t->image.target != TESSERA_TARGET_VIRTIO_X86_64))
        tender_fail(t, TENDER_EXIT_ERROR, "%s: image has no valid Tessera target note; it was not built with tessera "
                    "build", path);
    if (t->image.target == TESSERA_TARGET_VIRTIO_X86_64)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: this image was built for virtio-x86_64: a VMM boots it (tessera run starts QEMU), not a tender",
                    path);
    if (t->image.target != t->target) {
        const char *want = target_name(t->image.target);
        tender_fail(t, TENDER_EXIT_ERROR, "%s: this image was built for %s: run it with tessera-%s (or tessera run)",
                    path, want, want);
    }
    if (!seen.devices)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: image has no Tessera device note; it was not built with tessera build",
                    path);
}

static void find_symtab(struct tender *t, const Elf64_Shdr *sh, size_t shnum) {
    for (size_t i = 0; i < shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB) continue;
        if (sh[i].sh_entsize != sizeof(Elf64_Sym) || sh[i].sh_offset % 8 != 0 || sh[i].sh_link >= shnum ||
            sh[sh[i].sh_link].sh_type != SHT_STRTAB)
            return; /* unusable: traps name addresses instead */
        t->image.symbol_count = sh[i].sh_size / sizeof(Elf64_Sym);
        t->image.symtab_offset = sh[i].sh_offset;
        t->image.strtab_offset = sh[sh[i].sh_link].sh_offset;
        t->image.strtab_size = sh[sh[i].sh_link].sh_size;
        return;
    }
}

static uint64_t page_down(uint64_t a) {
    return a & ~(uint64_t)(TESSERA_PAGE_SIZE - 1);
}

/* a + b rounded up to `align` (a power of two), or UINT64_MAX on overflow. */
static uint64_t round_up(uint64_t a, uint64_t align) {
    return a > UINT64_MAX - (align - 1) ? UINT64_MAX : (a + align - 1) & ~(align - 1);
}

static void load_segments(struct tender *t, const Elf64_Ehdr *eh) {
    const char *path = t->options.image;
    struct tender_image *img = &t->image;
    const uint64_t mem = t->options.mem_size;
    /* Segments must end below the heap, which needs at least one 64 KiB page below the guard page and the
     * stack: the heap starts at a 64 KiB boundary and the stack at a MiB boundary, so this is enough. */
    const uint64_t limit = mem - TESSERA_STACK_SIZE - 2 * (uint64_t)TENDER_HEAP_ALIGN;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(img->file + eh->e_phoff);
    uint64_t end = 0;
    for (size_t i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type == PT_DYNAMIC)
            tender_fail(t, TENDER_EXIT_ERROR, "%s: a dynamically linked ELF; native images are static", path);
        if (p->p_type == PT_TLS && p->p_memsz > 0)
            tender_fail(t, TENDER_EXIT_ERROR,
                        "%s: the image uses thread-local storage (PT_TLS), which native tenders do not set up", path);
        if (p->p_type != PT_LOAD) continue; /* PT_INTERP, PT_NOTE, PT_GNU_STACK, ...: ignored */
        if (p->p_memsz == 0) continue;
        if (img->segment_count == TENDER_MAX_SEGMENTS)
            tender_fail(t, TENDER_EXIT_ERROR, "%s: more than %u loadable segments", path, TENDER_MAX_SEGMENTS);
        if ((p->p_flags & PF_W) && (p->p_flags & PF_X))
            tender_fail(t, TENDER_EXIT_ERROR,
                        "%s: segment %zu at 0x%llx is both writable and executable; native images keep code and "
                        "data apart (W^X)",
                        path, i, (unsigned long long)p->p_vaddr);
        if (p->p_filesz > p->p_memsz || !in_file(p->p_offset, p->p_filesz, img->file_size))
            tender_fail(t, TENDER_EXIT_ERROR, "%s: damaged ELF: segment %zu is not inside the file", path, i);
        if (p->p_vaddr < TESSERA_IMAGE_BASE || p->p_vaddr > limit || p->p_memsz > limit - p->p_vaddr) {
            if (p->p_vaddr >= TESSERA_IMAGE_BASE && p->p_vaddr <= UINT64_MAX - p->p_memsz &&
                p->p_vaddr + p->p_memsz < ((uint64_t)TESSERA_MEM_MAX_MIB << 20)) {
                uint64_t need = round_up(p->p_vaddr + p->p_memsz, TENDER_HEAP_ALIGN) + 2 * (uint64_t)TENDER_HEAP_ALIGN +
                                TESSERA_STACK_SIZE;
                tender_fail(t, TENDER_EXIT_ERROR,
                            "%s: the image does not fit in %llu MiB of guest memory (it needs %llu MiB with its "
                            "heap and stack): give --mem %llu or more",
                            path, (unsigned long long)(mem >> 20), (unsigned long long)round_up(need, 1 << 20) >> 20,
                            (unsigned long long)round_up(need, 1 << 20) >> 20);
            }
            tender_fail(t, TENDER_EXIT_ERROR, "%s: segment %zu at 0x%llx is outside guest memory (images are linked "
                        "at 0x%x)", path, i, (unsigned long long)p->p_vaddr, TESSERA_IMAGE_BASE);
        }
        struct tender_segment *s = &img->segments[img->segment_count];
        s->vaddr = p->p_vaddr;
        s->memsz = p->p_memsz;
        s->filesz = p->p_filesz;
        s->offset = p->p_offset;
        s->prot = ((p->p_flags & PF_R) ? PROT_READ : 0) | ((p->p_flags & PF_W) ? PROT_WRITE : 0) |
                  ((p->p_flags & PF_X) ? PROT_EXEC : 0);
        /* Segments own whole pages: no page may be shared by two of them (protections are per page). */
        for (size_t j = 0; j < img->segment_count; j++) {
            const struct tender_segment *o = &img->segments[j];
            uint64_t a0 = page_down(s->vaddr), a1 = round_up(s->vaddr + s->memsz, TESSERA_PAGE_SIZE);
            uint64_t b0 = page_down(o->vaddr), b1 = round_up(o->vaddr + o->memsz, TESSERA_PAGE_SIZE);
            if (a0 < b1 && b0 < a1)
                tender_fail(t, TENDER_EXIT_ERROR,
                            "%s: segments at 0x%llx and 0x%llx share a page; native images are linked with each "
                            "segment on pages of its own",
                            path, (unsigned long long)o->vaddr, (unsigned long long)s->vaddr);
        }
        if (s->vaddr + s->memsz > end) end = s->vaddr + s->memsz;
        img->segment_count++;
    }
    if (img->segment_count == 0) tender_fail(t, TENDER_EXIT_ERROR, "%s: the image has no loadable segments", path);
    img->end = end;
    bool entry_ok = false;
    for (size_t i = 0; i < img->segment_count; i++) {
        const struct tender_segment *s = &img->segments[i];
        if ((s->prot & PROT_EXEC) && eh->e_entry >= s->vaddr && eh->e_entry - s->vaddr < s->memsz) entry_ok = true;
    }
    if (!entry_ok)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: its entry point 0x%llx is not in an executable segment", path,
                    (unsigned long long)eh->e_entry);
    img->entry = eh->e_entry;
}

static int compare_regions(const void *a, const void *b) {
    const struct tender_region *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static void compute_layout(struct tender *t) {
    struct tender_layout *l = &t->layout;
    const struct tender_image *img = &t->image;
    l->mem_size = t->options.mem_size;
    l->stack_base = l->mem_size - TESSERA_STACK_SIZE;
    l->stack_top = l->mem_size - 8;
    l->heap_base = round_up(img->end, TENDER_HEAP_ALIGN);
    /* load_segments made sure that at least one page fits below the guard page. */
    l->heap_size = (l->stack_base - TESSERA_PAGE_SIZE - l->heap_base) & ~(uint64_t)(TENDER_HEAP_ALIGN - 1);
    size_t n = 0;
    l->regions[n++] = (struct tender_region){TESSERA_BOOT_ADDR, TESSERA_BOOT_ADDR + TESSERA_PAGE_SIZE,
                                             PROT_READ | PROT_WRITE};
    for (size_t i = 0; i < img->segment_count; i++) {
        const struct tender_segment *s = &img->segments[i];
        l->regions[n++] = (struct tender_region){page_down(s->vaddr), round_up(s->vaddr + s->memsz, TESSERA_PAGE_SIZE),
                                                 s->prot};
    }
    l->regions[n++] = (struct tender_region){l->heap_base, l->heap_base + l->heap_size, PROT_READ | PROT_WRITE};
    l->regions[n++] = (struct tender_region){l->stack_base, l->mem_size, PROT_READ | PROT_WRITE};
    qsort(l->regions, n, sizeof l->regions[0], compare_regions);
    l->region_count = n;
}

void tender_load_image(struct tender *t) {
    read_file(t);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)t->image.file;
    check_header(t, eh);
    size_t shnum;
    const Elf64_Shdr *sh = sections(t, eh, &shnum);
    find_notes(t, eh, sh, shnum);
    find_symtab(t, sh, shnum);
    load_segments(t, eh);
    compute_layout(t);
}
