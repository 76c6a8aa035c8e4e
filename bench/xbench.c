/*
 * xbench: the benchmark program of `xenolith-bench`. The same static binary
 * runs directly on the host, inside a Xenolith PV guest and inside QEMU/KVM;
 * each benchmark prints one line
 *
 *     xbench <name> <value> <unit> <operations>
 *
 * where <operations> is how many guest operations the measured section did
 * (the harness divides shim-entry and exit counts by it).
 *
 * Usage: xbench [--sync] [--disk PATH] [--net HOST:PORT] [--exec PATH] [NAME...]
 *   --sync       before and after each benchmark print
 *                "xbench-sync <name> begin|end" and wait for a line on stdin
 *                (the harness snapshots the hypervisor's counters there)
 *   --disk PATH  a scratch device or file for the disk benchmarks (written!)
 *   --net H:P    the harness's TCP server for the network benchmarks
 *   --exec PATH  the program fork+exec runs (default /bin/true)
 *   NAME...      only these benchmarks (default: all that apply)
 *
 * Figures are wall-clock (CLOCK_MONOTONIC) per operation, or rates.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int sync_mode;
static const char *disk_path;
static const char *net_addr;
static const char *exec_path = "/bin/true";

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "xbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void sync_point(const char *name, const char *phase) {
    if (!sync_mode) return;
    printf("xbench-sync %s %s\n", name, phase);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) exit(1);
}

static void report(const char *name, double value, const char *unit, long ops) {
    printf("xbench %s %.3f %s %ld\n", name, value, unit, ops);
    fflush(stdout);
}

/* ---- CPU and kernel ---- */

/* Nothing between the sync points: what the harness's own bracketing
 * costs (the console lines and the wake-up), subtracted from the others. */
static void bench_sync_overhead(const char *name) {
    sync_point(name, "begin");
    sync_point(name, "end");
    report(name, 0, "ns", 1);
}

static void bench_null_syscall(const char *name) {
    const long n = 20000;
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    double t = now_ns() - t0;
    sync_point(name, "end");
    report(name, t / n, "ns", n);
}

static void bench_clock_gettime(const char *name) {
    const long n = 200000;
    struct timespec ts;
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < n; i++) clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = now_ns() - t0;
    sync_point(name, "end");
    report(name, t / n, "ns", n);
}

static void bench_page_fault(const char *name) {
    const long pages = 4096; /* 16 MiB of anonymous memory, first touch each */
    char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < pages; i++) p[i * 4096] = 1;
    double t = now_ns() - t0;
    sync_point(name, "end");
    munmap(p, pages * 4096);
    report(name, t / pages, "ns", pages);
}

static void bench_fork_exit(const char *name) {
    const long n = 200;
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) _exit(0);
        waitpid(pid, NULL, 0);
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    report(name, t / n / 1000, "us", n);
}

static void bench_fork_exec(const char *name) {
    const long n = 100;
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            execl(exec_path, exec_path, (char *)NULL);
            _exit(127);
        }
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "xbench: %s failed (status 0x%x)\n", exec_path, status);
            exit(1);
        }
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    report(name, t / n / 1000, "us", n);
}

/* One byte back and forth between two processes over two pipes. */
static void bench_pipe_rtt(const char *name) {
    const long n = 5000;
    int a[2], b[2];
    if (pipe(a) || pipe(b)) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    char c = 0;
    if (pid == 0) {
        for (long i = 0; i < n; i++) {
            if (read(a[0], &c, 1) != 1) _exit(1);
            if (write(b[1], &c, 1) != 1) _exit(1);
        }
        _exit(0);
    }
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) die("pipe round trip");
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    waitpid(pid, NULL, 0);
    close(a[0]); close(a[1]); close(b[0]); close(b[1]);
    report(name, t / n / 1000, "us", n);
}

static void bench_mmap_munmap(const char *name) {
    const long n = 5000;
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) die("mmap");
        ((volatile char *)p)[0] = 1; /* one page populated and torn down */
        munmap(p, 1 << 20);
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    report(name, t / n / 1000, "us", n);
}

/* A token passed around a ring of 4 processes: every pass is a switch. */
static void bench_ctx_switch(const char *name) {
    enum { procs = 4 };
    const long rounds = 1000;
    int p[procs][2];
    for (int i = 0; i < procs; i++) if (pipe(p[i])) die("pipe");
    pid_t kids[procs];
    for (int k = 1; k < procs; k++) {
        kids[k] = fork();
        if (kids[k] < 0) die("fork");
        if (kids[k] == 0) {
            char c;
            for (long i = 0; i < rounds; i++) {
                if (read(p[k][0], &c, 1) != 1) _exit(1);
                if (write(p[(k + 1) % procs][1], &c, 1) != 1) _exit(1);
            }
            _exit(0);
        }
    }
    char c = 0;
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < rounds; i++) {
        if (write(p[1][1], &c, 1) != 1 || read(p[0][0], &c, 1) != 1) die("token ring");
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    for (int k = 1; k < procs; k++) waitpid(kids[k], NULL, 0);
    for (int i = 0; i < procs; i++) { close(p[i][0]); close(p[i][1]); }
    report(name, t / (rounds * procs) / 1000, "us", rounds * procs);
}

static void bench_mem_bw(const char *name) {
    const size_t size = 64 << 20;
    const int reps = 8;
    char *src = malloc(size), *dst = malloc(size);
    if (!src || !dst) die("malloc");
    memset(src, 0x5a, size);
    memset(dst, 0, size);
    sync_point(name, "begin");
    double t0 = now_ns();
    for (int r = 0; r < reps; r++) {
        memcpy(dst, src, size);
        src[r] = (char)r; /* keep the copies from being merged */
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    if (dst[size - 1] != 0x5a) exit(1);
    free(src); free(dst);
    report(name, (double)size * reps / (1 << 20) / (t / 1e9), "MiB/s", reps);
}

/* ---- disk (O_DIRECT on the scratch device or file) ---- */

static int open_disk(int flags, off_t *size) {
    int fd = open(disk_path, flags | O_DIRECT);
    if (fd < 0) die(disk_path);
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < (off_t)(64 << 20)) { fprintf(stderr, "xbench: %s is smaller than 64 MiB\n", disk_path); exit(1); }
    *size = end;
    return fd;
}

static void bench_disk_seq(const char *name, int write_mode) {
    off_t size;
    int fd = open_disk(write_mode ? O_RDWR : O_RDONLY, &size);
    const size_t block = 1 << 20;
    long blocks = (long)((size < (off_t)(256 << 20) ? size : (off_t)(256 << 20)) / block);
    void *buf;
    if (posix_memalign(&buf, 4096, block)) die("posix_memalign");
    memset(buf, 0xa5, block);
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < blocks; i++) {
        ssize_t r = write_mode ? pwrite(fd, buf, block, (off_t)i * block) : pread(fd, buf, block, (off_t)i * block);
        if (r != (ssize_t)block) die(write_mode ? "pwrite" : "pread");
    }
    if (write_mode && fdatasync(fd)) die("fdatasync");
    double t = now_ns() - t0;
    sync_point(name, "end");
    close(fd);
    free(buf);
    report(name, (double)blocks * block / (1 << 20) / (t / 1e9), "MiB/s", blocks);
}

static void bench_disk_randread(const char *name) {
    off_t size;
    int fd = open_disk(O_RDONLY, &size);
    const long n = 4000;
    void *buf;
    if (posix_memalign(&buf, 4096, 4096)) die("posix_memalign");
    uint64_t x = 88172645463325252ull, blocks = (uint64_t)size / 4096;
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        if (pread(fd, buf, 4096, (off_t)(x % blocks) * 4096) != 4096) die("pread");
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    close(fd);
    free(buf);
    report(name, n / (t / 1e9), "IOPS", n);
}

/* ---- network (the harness's server: "S" = sink, "R" = source, "P" = ping) ---- */

static int connect_server(char mode) {
    char host[64];
    const char *colon = strrchr(net_addr, ':');
    if (!colon || colon - net_addr >= (long)sizeof host) { fprintf(stderr, "xbench: bad --net %s\n", net_addr); exit(1); }
    memcpy(host, net_addr, colon - net_addr);
    host[colon - net_addr] = 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) { fprintf(stderr, "xbench: bad address %s\n", host); exit(1); }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    if (connect(s, (struct sockaddr *)&a, sizeof a)) die("connect");
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (write(s, &mode, 1) != 1) die("write");
    return s;
}

static void bench_tcp_stream(const char *name, int send_mode) {
    const size_t total = 256 << 20, chunk = 128 << 10;
    char *buf = malloc(chunk);
    if (!buf) die("malloc");
    memset(buf, 0x3c, chunk);
    int s = connect_server(send_mode ? 'S' : 'R');
    sync_point(name, "begin");
    double t0 = now_ns();
    size_t done = 0;
    while (done < total) {
        ssize_t r = send_mode ? write(s, buf, chunk) : read(s, buf, chunk);
        if (r <= 0) die(send_mode ? "send" : "receive");
        done += (size_t)r;
    }
    if (send_mode) {
        shutdown(s, SHUT_WR);
        char c;
        if (read(s, &c, 1) != 1) die("sink acknowledgment"); /* everything arrived */
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    close(s);
    free(buf);
    report(name, (double)total * 8 / 1e6 / (t / 1e9), "Mbit/s", (long)(total / chunk));
}

static void bench_tcp_rtt(const char *name) {
    const long n = 2000;
    int s = connect_server('P');
    char c = 1;
    sync_point(name, "begin");
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (write(s, &c, 1) != 1 || read(s, &c, 1) != 1) die("tcp round trip");
    }
    double t = now_ns() - t0;
    sync_point(name, "end");
    close(s);
    report(name, t / n / 1000, "us", n);
}

/* ---- driver ---- */

static void disk_seq_read(const char *n) { bench_disk_seq(n, 0); }
static void disk_seq_write(const char *n) { bench_disk_seq(n, 1); }
static void tcp_send(const char *n) { bench_tcp_stream(n, 1); }
static void tcp_receive(const char *n) { bench_tcp_stream(n, 0); }

static const struct {
    const char *name;
    void (*run)(const char *);
    int needs; /* 0 none, 1 disk, 2 net */
} benches[] = {
    { "sync_overhead", bench_sync_overhead, 0 },
    { "null_syscall", bench_null_syscall, 0 },
    { "clock_gettime", bench_clock_gettime, 0 },
    { "page_fault", bench_page_fault, 0 },
    { "fork_exit", bench_fork_exit, 0 },
    { "fork_exec", bench_fork_exec, 0 },
    { "pipe_rtt", bench_pipe_rtt, 0 },
    { "mmap_munmap", bench_mmap_munmap, 0 },
    { "ctx_switch", bench_ctx_switch, 0 },
    { "mem_bw", bench_mem_bw, 0 },
    { "disk_seq_write", disk_seq_write, 1 },
    { "disk_seq_read", disk_seq_read, 1 },
    { "disk_rand_read", bench_disk_randread, 1 },
    { "tcp_send", tcp_send, 2 },
    { "tcp_receive", tcp_receive, 2 },
    { "tcp_rtt", bench_tcp_rtt, 2 },
};

int main(int argc, char **argv) {
    const char *only[64];
    int n_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sync")) sync_mode = 1;
        else if (!strcmp(argv[i], "--disk") && i + 1 < argc) disk_path = argv[++i];
        else if (!strcmp(argv[i], "--net") && i + 1 < argc) net_addr = argv[++i];
        else if (!strcmp(argv[i], "--exec") && i + 1 < argc) exec_path = argv[++i];
        else if (argv[i][0] == '-') { fprintf(stderr, "xbench: unknown option %s\n", argv[i]); return 2; }
        else if (n_only < 64) only[n_only++] = argv[i];
    }
    for (size_t b = 0; b < sizeof benches / sizeof benches[0]; b++) {
        int wanted = n_only == 0;
        for (int i = 0; i < n_only; i++) if (!strcmp(only[i], benches[b].name)) wanted = 1;
        if (!wanted) continue;
        if ((benches[b].needs == 1 && !disk_path) || (benches[b].needs == 2 && !net_addr)) {
            if (n_only) { fprintf(stderr, "xbench: %s needs --%s\n", benches[b].name, benches[b].needs == 1 ? "disk" : "net"); return 2; }
            continue;
        }
        benches[b].run(benches[b].name);
    }
    printf("xbench done\n");
    return 0;
}
