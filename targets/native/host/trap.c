/* trap.c: the guest runtime's trap call: `tessera: trap: <reason> in <function>`, status 255. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

#define REASON_MAX 512

_Noreturn void host_trap(struct tender *t, const struct tessera_args_trap *a) {
    char reason[REASON_MAX + 1];
    uint32_t len = a->len < REASON_MAX ? a->len : REASON_MAX;
    const char *msg = tender_guest_range(t, a->msg, a->len, PROT_READ);
    if (msg == NULL) {
        snprintf(reason, sizeof reason, "<reason outside guest memory>");
    } else {
        for (uint32_t i = 0; i < len; i++) {
            char c = msg[i];
            reason[i] = (c == '\n' || c == '\r' || c == '\0') ? ' ' : c; /* one line */
        }
        reason[len] = '\0';
    }
    char where[256];
    if (a->pc == 0) snprintf(where, sizeof where, "an unknown function");
    else if (!tender_symbolize(t, a->pc, where, sizeof where))
        snprintf(where, sizeof where, "0x%" PRIx64 " (no symbol)", a->pc);
    char line[REASON_MAX + 320];
    int n = snprintf(line, sizeof line, "tessera: trap: %s in %s\n", reason, where);
    if (n > 0) host_write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    tender_exit(t, TENDER_EXIT_GUEST_FAILED);
}
