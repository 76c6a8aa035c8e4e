// CHostSys: the few Linux calls Swift's Glibc module does not import.
#ifndef CHOSTSYS_H
#define CHOSTSYS_H
/// memfd_create(2) with MFD_CLOEXEC.
int chostsys_memfd_create(const char *name);
#endif
