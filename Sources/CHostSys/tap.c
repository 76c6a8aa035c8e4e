/* TAP devices for the network backend: the ioctls on /dev/net/tun and on a
 * socket whose struct ifreq (a union) Swift cannot build cleanly.
 * linux/if_tun.h, linux/sockios.h, netdevice(7). Each returns -errno on
 * failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "CHostSys.h"

static void set_name(struct ifreq *ifr, const char *name) {
    memset(ifr, 0, sizeof *ifr);
    if (name)
        strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
}

int chostsys_tap_open(const char *name, int multi_queue, char out_name[CHOSTSYS_IFNAMSIZ]) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    set_name(&ifr, name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (multi_queue ? IFF_MULTI_QUEUE : 0);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    memcpy(out_name, ifr.ifr_name, IFNAMSIZ);
    out_name[IFNAMSIZ - 1] = 0;
    return fd;
}

int chostsys_tap_set_vnet_hdr_size(int fd, int size) {
    return ioctl(fd, TUNSETVNETHDRSZ, &size) < 0 ? -errno : 0;
}

int chostsys_tap_set_offload(int fd, unsigned int flags) {
    return ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0 ? -errno : 0;
}

/* The request on a throw-away datagram socket. */
static int sock_ioctl(unsigned long request, struct ifreq *ifr) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    int r = ioctl(s, request, ifr) < 0 ? -errno : 0;
    close(s);
    return r;
}

int chostsys_netif_set_up(const char *name) {
    struct ifreq ifr;
    set_name(&ifr, name);
    int r = sock_ioctl(SIOCGIFFLAGS, &ifr);
    if (r < 0)
        return r;
    ifr.ifr_flags |= IFF_UP;
    return sock_ioctl(SIOCSIFFLAGS, &ifr);
}

int chostsys_netif_set_hwaddr(const char *name, const unsigned char mac[6]) {
    struct ifreq ifr;
    set_name(&ifr, name);
    ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    return sock_ioctl(SIOCSIFHWADDR, &ifr);
}

int chostsys_bridge_add_interface(const char *bridge, const char *name) {
    unsigned int index = if_nametoindex(name);
    if (index == 0)
        return -errno;
    struct ifreq ifr;
    set_name(&ifr, bridge);
    ifr.ifr_ifindex = (int)index;
    return sock_ioctl(SIOCBRADDIF, &ifr);
}
