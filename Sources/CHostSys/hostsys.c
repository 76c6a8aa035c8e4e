#define _GNU_SOURCE
#include <sys/mman.h>
#include "CHostSys.h"

int chostsys_memfd_create(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}

#include <signal.h>
#include <string.h>
#include <unistd.h>

static int report_fd = -1;

static void report_handler(int sig) {
    (void)sig;
    char b = 1;
    if (report_fd >= 0) {
        /* write(2) is async-signal-safe; a full pipe just drops the request. */
        ssize_t r = write(report_fd, &b, 1);
        (void)r;
    }
}

int chostsys_install_report_signal(int signo, int fd) {
    report_fd = fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = report_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(signo, &sa, NULL);
}
