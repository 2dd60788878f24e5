// Name-space system calls: stat, link, unlink, mkdir, rmdir, chdir, mknod, and the path
// copying every path-taking call shares (KernelPath, FsContext).
#include "fs/file_system.h"
#include "fs/inode.h"
#include "fs/root_file_system.h"
#include "mm/kernel_heap.h"
#include "proc/open_file.h"
#include "proc/process.h"
#include "syscall/abi.h"
#include "syscall/handlers.h"
#include "syscall/sys_common.h"

ErrorOr<KernelPath> KernelPath::copy_from(UserString string) {
    char* data = static_cast<char*>(kmalloc(ATLAS_MAX_PATH));
    if (!data)
        return Error::from_errno(ENOMEM);
    KernelPath path(data);
    size_t length = TRY(copy_string_from_user(data, string.address(), ATLAS_MAX_PATH));
    if (length == 0)
        return Error::from_errno(ENOENT);
    return path;
}

KernelPath::~KernelPath() { kfree(m_data); }

ErrorOr<FsContext> FsContext::current() {
    fs::FileSystem* fs = root_file_system();
    Process* process = current_process();
    if (!fs || !process || !process->cwd())
        return Error::from_errno(ENOENT);
    return FsContext { *fs, *process->cwd() };
}

ErrorOr<void> sys_stat(UserString user_path, UserPtr<atlas_stat> out) {
    KernelPath path = TRY(KernelPath::copy_from(user_path));
    FsContext context = TRY(FsContext::current());
    RefPtr<fs::Inode> inode = TRY(context.fs.lookup(context.start, path.c_str()));
    atlas_stat kernel_stat;
    fill_stat_from_inode(context.fs, *inode, kernel_stat);
    return out.write(kernel_stat);
}

ErrorOr<void> sys_link(UserString user_existing, UserString user_new) {
    KernelPath existing = TRY(KernelPath::copy_from(user_existing));
    KernelPath new_path = TRY(KernelPath::copy_from(user_new));
    FsContext context = TRY(FsContext::current());
    return context.fs.link(context.start, existing.c_str(), new_path.c_str());
}

ErrorOr<void> sys_unlink(UserString user_path) {
    KernelPath path = TRY(KernelPath::copy_from(user_path));
    FsContext context = TRY(FsContext::current());
    return context.fs.unlink(context.start, path.c_str());
}

ErrorOr<void> sys_mkdir(UserString user_path, int) {
    KernelPath path = TRY(KernelPath::copy_from(user_path));
    FsContext context = TRY(FsContext::current());
    TRY(context.fs.make_directory(context.start, path.c_str()));
    return {};
}

ErrorOr<void> sys_rmdir(UserString user_path) {
    KernelPath path = TRY(KernelPath::copy_from(user_path));
    FsContext context = TRY(FsContext::current());
    return context.fs.remove_directory(context.start, path.c_str());
}

ErrorOr<void> sys_chdir(UserString user_path) {
    KernelPath path = TRY(KernelPath::copy_from(user_path));
    FsContext context = TRY(FsContext::current());
    RefPtr<fs::Inode> inode = TRY(context.fs.lookup(context.start, path.c_str()));
    if (!inode->is_directory())
        return Error::from_errno(ENOTDIR);
    current_process()->set_cwd(std::move(inode));
    return {};
}

ErrorOr<void> sys_mknod(UserString user_path, int major, int minor) {
    KernelPath path = TRY(KernelPath::copy_from(user_path));
    if (major < 0 || major > 0xffff || minor < 0 || minor > 0xffff)
        return Error::from_errno(EINVAL);
    FsContext context = TRY(FsContext::current());
    TRY(context.fs.make_device(context.start, path.c_str(), static_cast<uint16_t>(major),
                               static_cast<uint16_t>(minor)));
    return {};
}
