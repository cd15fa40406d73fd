// A tiny eBPF instruction builder: the handful of instructions the cgroup device filter needs
// (bpf_devices.cpp), built from <linux/bpf.h> constants. Each function returns one struct
// bpf_insn; jump offsets count instructions after the jump (0 = the next one).
// Also the loader of a device filter program, exposed for tests of its error path.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <linux/bpf.h>

#include <cstdint>
#include <span>

namespace hull::cgroups::bpf {

constexpr bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// dst = *(u32 *)(src + off)
constexpr bpf_insn load_u32(uint8_t dst, uint8_t src, int16_t off) {
    return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}
// (u32) dst = imm   (upper half cleared)
constexpr bpf_insn mov32_imm(uint8_t dst, int32_t imm) {
    return insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
// (u32) dst = (u32) src
constexpr bpf_insn mov32_reg(uint8_t dst, uint8_t src) {
    return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
// (u32) dst &= imm
constexpr bpf_insn and32_imm(uint8_t dst, int32_t imm) {
    return insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm);
}
// (u32) dst >>= imm
constexpr bpf_insn rsh32_imm(uint8_t dst, int32_t imm) {
    return insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm);
}
// if ((u32) dst != (u32) imm) goto +off
constexpr bpf_insn jne32_imm(uint8_t dst, uint32_t imm, int16_t off) {
    return insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, static_cast<int32_t>(imm));
}
// if ((u32) dst == (u32) imm) goto +off
constexpr bpf_insn jeq32_imm(uint8_t dst, uint32_t imm, int16_t off) {
    return insn(BPF_JMP32 | BPF_JEQ | BPF_K, dst, 0, off, static_cast<int32_t>(imm));
}
// return r0
constexpr bpf_insn exit_insn() {
    return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

// The name every device filter hull loads carries (how hull finds its own attached programs).
inline constexpr char kDeviceFilterName[] = "hull_devices";

// BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program named kDeviceFilterName. When the
// kernel refuses it, the load is retried with the verifier log requested and the error reads
// "load device filter: <errno text>; verifier log: <log>".
Result<UniqueFd> load_device_program(std::span<const bpf_insn> insns);

} // namespace hull::cgroups::bpf
