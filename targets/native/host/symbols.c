/* symbols.c: names for trap reports: the FUNC symbol containing an address,
 * with wasm2c's name mangling undone (w2c_<module>_<name> -> <name>). */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

static bool is_upper_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c) {
    return c <= '9' ? c - '0' : c - 'A' + 10;
}

/*
 * wasm2c 1.0.39 mangles a wasm name into a C identifier by keeping letters,
 * digits and single underscores, and writing every other byte (and an
 * underscore at the start, at the end or after another underscore, and a hex
 * digit right after "0x") as "0x" and two upper-case hex digits. So reading
 * left to right, "0x" followed by two upper-case hex digits is always an
 * escape. The module name before it has its underscores doubled, so the first
 * single '_' after "w2c_" ends it.
 */
void host_demangle(const char *sym, char *out, size_t cap) {
    const char *p = sym;
    if (strncmp(p, "w2c_", 4) == 0) {
        const char *q = p + 4;
        while (*q) {
            if (q[0] == '_' && q[1] == '_') q += 2;
            else if (q[0] == '_') break;
            else q++;
        }
        if (*q == '_' && q[1] != '\0') p = q + 1;
    }
    size_t n = 0;
    /* gcc's clones (explode.isra.0, f.constprop.0, f.part.0, f.cold) name the function before the '.':
     * wasm2c escapes every '.' of a wasm name, so the first one is gcc's. */
    while (*p && *p != '.' && n + 1 < cap) {
        if (p[0] == '0' && p[1] == 'x' && is_upper_hex(p[2]) && is_upper_hex(p[3])) {
            unsigned char c = (unsigned char)(hex_value(p[2]) * 16 + hex_value(p[3]));
            /* Keep the report one printable line: control bytes stay escaped. */
            if (c < 0x20 || c == 0x7f) {
                if (n + 5 > cap) break;
                memcpy(out + n, p, 4);
                n += 4;
            } else {
                out[n++] = (char)c;
            }
            p += 4;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
}

const char *host_symbol_at(const struct tender *t, uint64_t pc) {
    const struct tender_image *img = &t->image;
    for (size_t i = 0; i < img->symbol_count; i++) {
        Elf64_Sym s;
        memcpy(&s, img->file + img->symtab_offset + i * sizeof s, sizeof s);
        if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF) continue;
        if (pc < s.st_value || pc - s.st_value >= (s.st_size ? s.st_size : 1)) continue;
        if (s.st_name >= img->strtab_size) return NULL;
        const char *name = (const char *)img->file + img->strtab_offset + s.st_name;
        if (memchr(name, '\0', img->strtab_size - s.st_name) == NULL || *name == '\0') return NULL;
        return name;
    }
    return NULL;
}

bool host_is_wasm_function(const char *symbol) {
    /* w2c_<module>_<name>, but not w2c_tessera_<call>: the imports, which the guest runtime implements */
    return strncmp(symbol, "w2c_", 4) == 0 && strncmp(symbol, "w2c_tessera_", 12) != 0;
}

bool tender_symbolize(const struct tender *t, uint64_t pc, char *out, size_t cap) {
    const char *name = cap ? host_symbol_at(t, pc) : NULL;
    if (name == NULL) return false;
    host_demangle(name, out, cap);
    return true;
}
