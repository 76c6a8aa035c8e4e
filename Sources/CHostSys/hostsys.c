#define _GNU_SOURCE
#include <sys/mman.h>
#include "CHostSys.h"

int chostsys_memfd_create(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}
