// CKVM: the C view of <linux/kvm.h> for the KVM target.
// Swift imports the structs directly; the _IO* ioctl request macros are not
// importable, so each one we use is exported as a constant from ckvm.c
// (the same approach as apple/containerization Sources/CShim/include/vsock.h).
#ifndef CKVM_H
#define CKVM_H

#include <linux/kvm.h>
#include <stdint.h>
#include <sys/ioctl.h>

extern const unsigned long CKVM_GET_API_VERSION;
extern const unsigned long CKVM_CREATE_VM;
extern const unsigned long CKVM_CHECK_EXTENSION;
extern const unsigned long CKVM_GET_VCPU_MMAP_SIZE;
extern const unsigned long CKVM_GET_SUPPORTED_CPUID;
extern const unsigned long CKVM_CREATE_VCPU;
extern const unsigned long CKVM_SET_USER_MEMORY_REGION;
extern const unsigned long CKVM_SET_TSS_ADDR;
extern const unsigned long CKVM_SET_IDENTITY_MAP_ADDR;
extern const unsigned long CKVM_CREATE_IRQCHIP;
extern const unsigned long CKVM_IRQ_LINE;
extern const unsigned long CKVM_IRQFD;
extern const unsigned long CKVM_IOEVENTFD;
extern const unsigned long CKVM_RUN;
extern const unsigned long CKVM_GET_REGS;
extern const unsigned long CKVM_SET_REGS;
extern const unsigned long CKVM_GET_SREGS;
extern const unsigned long CKVM_SET_SREGS;
extern const unsigned long CKVM_GET_MSRS;
extern const unsigned long CKVM_SET_MSRS;
extern const unsigned long CKVM_SET_CPUID2;
extern const unsigned long CKVM_INTERRUPT;
extern const unsigned long CKVM_GET_VCPU_EVENTS;
extern const unsigned long CKVM_SET_VCPU_EVENTS;
extern const unsigned long CKVM_GET_FPU;
extern const unsigned long CKVM_SET_FPU;
extern const unsigned long CKVM_GET_XCRS;
extern const unsigned long CKVM_SET_XCRS;
extern const unsigned long CKVM_SET_SIGNAL_MASK;
extern const unsigned long CKVM_GET_CLOCK;

/// ioctl(2) with a pointer argument; Swift cannot call the variadic ioctl.
int ckvm_ioctl_ptr(int fd, unsigned long request, void *arg);
/// ioctl(2) with an integer argument.
int ckvm_ioctl_val(int fd, unsigned long request, unsigned long arg);

/// Size of struct kvm_cpuid2 with room for n entries.
static inline unsigned long ckvm_cpuid2_size(unsigned int n) {
    return sizeof(struct kvm_cpuid2) + n * sizeof(struct kvm_cpuid_entry2);
}
/// Size of struct kvm_msrs with room for n entries.
static inline unsigned long ckvm_msrs_size(unsigned int n) {
    return sizeof(struct kvm_msrs) + n * sizeof(struct kvm_msr_entry);
}
/// Reads rdtsc on the host (used to relate the guest TSC to host time).
static inline uint64_t ckvm_rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
#endif
