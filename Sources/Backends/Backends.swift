// Backends: dom0's half of the split device drivers, run inside the
// xenolith process of the domain they serve (DESIGN.md, STYLE.md §1).
//
// What it is: grant access (Grant/: validating a guest's grant_entry_v1 and
// handing out the frame in place, as Xen's map_grant_ref would), the shared
// ring layout (Ring/: public/io/ring.h), the block backend (Blk/: the
// blkif protocol of public/io/blkif.h, behaving as Linux xen-blkback, over
// a disk image file or block device), and the console backend (Console/:
// the secondary PV consoles of xl.cfg `channel`, public/io/console.h over
// a granted page, behaving as QEMU's xen_console, with a Unix socket or a
// pty as host end). The xenbus state machine, xenstore I/O and event
// channels live elsewhere; the block backend exposes what they need:
// `BlockBackend.transportNodes`/`deviceNodes` to publish, `attach` with
// the frontend's ring references, `process(queue:)` per event with a
// "notify the frontend" answer, and `detach`; the console backend
// `attach` (with a notify closure), `kick` per event, `detach`, and a
// `run` loop for a thread of its own.
//
// May depend on: XenABI, GuestMemory, swift-log, the standard library's
// Synchronization, Glibc. Must not: import KVM, Platform or Xenstore, or
// copy block data through intermediate buffers (it moves with
// preadv/pwritev straight between the image and the granted pages; console
// bytes, a low-rate stream, are copied once into a bounded buffer).
//
// Error model (STYLE.md §4): a bad request gets an error status on its ring
// (BLKIF_RSP_ERROR / BLKIF_RSP_EOPNOTSUPP, BlkRequestFault), logged once per
// kind; a frontend that breaks the ring protocol has that ring halted
// (BlkifRingFault) until it is detached; host-side failures to open an
// image are BlockBackendError with a one-line message; attach refusals are
// BlkAttachError. Console: a ring with bogus indices has its data dropped
// (GuestMemory.XenconsRing.Fault, logged once); host-side failures are
// ConsoleBackendError, attach refusals ConsoleAttachError. Nothing a guest writes can trap the process: every guest
// value is copied once, checked, and used only within the frames its
// grants name.
//
// Unsafe code: GrantMapping holds the host address of a granted frame;
// BlockBackend+Dispatch builds iovecs from it; BlkSyscalls and BlkImage
// hand them to the kernel; ConsoleSyscalls hands buffers and socket
// addresses to the kernel. Each use states its invariant.
//
// Concurrency: GrantAccess, BlockBackend and ConsoleBackend are Sendable
// with Mutex-guarded state; each ring (queue) is driven by one caller at a
// time; a console's host side belongs to its `run` thread.
