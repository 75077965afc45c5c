/*
 * The vector path at decode time: is the instruction on the whitelist
 * and supported by this CPU, what state does it need, and its re-encoded
 * form with the memory operand rip-relative (see emu.h and vx.h).
 */
#include <Zydis/Zydis.h>

#include "emu_handlers.h"
#include "vx.h"

/* AVX-512 ISA sets: F plus the family, plus VL for the 128/256-bit forms */
#define A512(fam, x) \
	case ZYDIS_ISA_SET_##fam##_128: \
	case ZYDIS_ISA_SET_##fam##_256: \
		return EMU_VF(F) | EMU_VF(VL) | (x); \
	case ZYDIS_ISA_SET_##fam##_512: \
		return EMU_VF(F) | (x)

uint64_t emu_vx_isa_features(unsigned isa_set)
{
	switch (isa_set) {
	case ZYDIS_ISA_SET_X87:
	case ZYDIS_ISA_SET_FCMOV:	return EMU_VF(X87);
	case ZYDIS_ISA_SET_SSE3X87:	return EMU_VF(X87) | EMU_VF(SSE3);
	case ZYDIS_ISA_SET_PENTIUMMMX:	return EMU_VF(MMX);
	case ZYDIS_ISA_SET_SSE2MMX:	return EMU_VF(MMX) | EMU_VF(SSE2);
	case ZYDIS_ISA_SET_SSSE3MMX:	return EMU_VF(MMX) | EMU_VF(SSSE3);
	case ZYDIS_ISA_SET_SSE:
	case ZYDIS_ISA_SET_SSEMXCSR:	return EMU_VF(SSE);
	case ZYDIS_ISA_SET_SSE2:	return EMU_VF(SSE2);
	case ZYDIS_ISA_SET_SSE3:	return EMU_VF(SSE3);
	case ZYDIS_ISA_SET_SSSE3:	return EMU_VF(SSSE3);
	case ZYDIS_ISA_SET_SSE4:	return EMU_VF(SSE41);
	case ZYDIS_ISA_SET_SSE42:	return EMU_VF(SSE42);
	case ZYDIS_ISA_SET_SSE4A:	return EMU_VF(SSE4A);
	case ZYDIS_ISA_SET_AES:		return EMU_VF(AES);
	case ZYDIS_ISA_SET_PCLMULQDQ:	return EMU_VF(PCLMUL);
	case ZYDIS_ISA_SET_SHA:		return EMU_VF(SHA);
	case ZYDIS_ISA_SET_GFNI:	return EMU_VF(GFNI);
	case ZYDIS_ISA_SET_AVX:		return EMU_VF(AVX);
	case ZYDIS_ISA_SET_AVX2:	return EMU_VF(AVX2);
	case ZYDIS_ISA_SET_FMA:		return EMU_VF(FMA);
	case ZYDIS_ISA_SET_F16C:	return EMU_VF(F16C);
	case ZYDIS_ISA_SET_AVXAES:	return EMU_VF(AVX) | EMU_VF(AES);
	case ZYDIS_ISA_SET_AVX_GFNI:	return EMU_VF(AVX) | EMU_VF(GFNI);
	case ZYDIS_ISA_SET_AVX_VNNI:	return EMU_VF(AVXVNNI);
	case ZYDIS_ISA_SET_VAES:	return EMU_VF(AVX) | EMU_VF(VAES);
	case ZYDIS_ISA_SET_VPCLMULQDQ:	return EMU_VF(AVX) | EMU_VF(VPCLMUL);
	A512(AVX512F, 0);
	case ZYDIS_ISA_SET_AVX512F_128N:
	case ZYDIS_ISA_SET_AVX512F_SCALAR:
	case ZYDIS_ISA_SET_AVX512F_KOP:	return EMU_VF(F);
	A512(AVX512BW, EMU_VF(BW));
	case ZYDIS_ISA_SET_AVX512BW_128N:
	case ZYDIS_ISA_SET_AVX512BW_KOP: return EMU_VF(F) | EMU_VF(BW);
	A512(AVX512DQ, EMU_VF(DQ));
	case ZYDIS_ISA_SET_AVX512DQ_128N:
	case ZYDIS_ISA_SET_AVX512DQ_SCALAR:
	case ZYDIS_ISA_SET_AVX512DQ_KOP: return EMU_VF(F) | EMU_VF(DQ);
	A512(AVX512CD, EMU_VF(CD));
	A512(AVX512_BF16, EMU_VF(BF16));
	A512(AVX512_BITALG, EMU_VF(BITALG));
	A512(AVX512_FP16, EMU_VF(FP16) | EMU_VF(BW));
	case ZYDIS_ISA_SET_AVX512_FP16_128N:
	case ZYDIS_ISA_SET_AVX512_FP16_SCALAR: return EMU_VF(F) | EMU_VF(FP16);
	A512(AVX512_GFNI, EMU_VF(GFNI));
	A512(AVX512_IFMA, EMU_VF(IFMA));
	A512(AVX512_VAES, EMU_VF(VAES));
	A512(AVX512_VBMI2, EMU_VF(VBMI2));
	A512(AVX512_VBMI, EMU_VF(VBMI));
	A512(AVX512_VNNI, EMU_VF(VNNI));
	A512(AVX512_VP2INTERSECT, EMU_VF(VP2I));
	A512(AVX512_VPCLMULQDQ, EMU_VF(VPCLMUL));
	A512(AVX512_VPOPCNTDQ, EMU_VF(VPOPCNTDQ));
	default:
		return 0;	/* not on the whitelist (system, stack, gathers, ...) */
	}
}

/* Registers the stub can hold for the target; rsp is the stub's own stack. */
static bool emu_vx_reg_ok(ZydisRegister r, uint8_t *xfeat, bool *x87, bool *mmx)
{
	switch (ZydisRegisterGetClass(r)) {
	case ZYDIS_REGCLASS_GPR8:
		return r != ZYDIS_REGISTER_SPL;
	case ZYDIS_REGCLASS_GPR16:
	case ZYDIS_REGCLASS_GPR32:
	case ZYDIS_REGCLASS_GPR64:
		return ZydisRegisterGetId(r) != 4;
	case ZYDIS_REGCLASS_FLAGS:
		return true;
	case ZYDIS_REGCLASS_X87:
		*xfeat |= EMU_XC_X87;
		*x87 = true;
		return true;
	case ZYDIS_REGCLASS_MMX:
		*xfeat |= EMU_XC_X87;
		*mmx = true;
		return true;
	case ZYDIS_REGCLASS_XMM:
	case ZYDIS_REGCLASS_YMM:
	case ZYDIS_REGCLASS_ZMM:
		*xfeat |= EMU_XC_SSE | EMU_XC_AVX | EMU_XC_ZMMH | EMU_XC_HI16;
		return true;
	case ZYDIS_REGCLASS_MASK:
		*xfeat |= EMU_XC_K;
		return true;
	default:
		break;
	}
	switch (r) {
	case ZYDIS_REGISTER_MXCSR:
		*xfeat |= EMU_XC_SSE;
		return true;
	case ZYDIS_REGISTER_X87CONTROL:
	case ZYDIS_REGISTER_X87STATUS:
	case ZYDIS_REGISTER_X87TAG:
		*xfeat |= EMU_XC_X87;
		*x87 = true;
		return true;
	default:
		return false;
	}
}

/* Required alignment of the memory operand (1: none). */
static uint8_t emu_vx_align(const ZydisDecodedInstruction *zi, unsigned msize)
{
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_VMOVAPS: case ZYDIS_MNEMONIC_VMOVAPD:
	case ZYDIS_MNEMONIC_VMOVDQA: case ZYDIS_MNEMONIC_VMOVDQA32:
	case ZYDIS_MNEMONIC_VMOVDQA64: case ZYDIS_MNEMONIC_VMOVNTPS:
	case ZYDIS_MNEMONIC_VMOVNTPD: case ZYDIS_MNEMONIC_VMOVNTDQ:
	case ZYDIS_MNEMONIC_VMOVNTDQA:
		return (uint8_t)msize;
	case ZYDIS_MNEMONIC_MOVUPS: case ZYDIS_MNEMONIC_MOVUPD:
	case ZYDIS_MNEMONIC_MOVDQU: case ZYDIS_MNEMONIC_LDDQU:
	case ZYDIS_MNEMONIC_PCMPESTRI: case ZYDIS_MNEMONIC_PCMPESTRM:
	case ZYDIS_MNEMONIC_PCMPISTRI: case ZYDIS_MNEMONIC_PCMPISTRM:
		return 1;
	default:
		break;
	}
	/* legacy SSE: every 16-byte memory operand must be aligned */
	if (msize == 16 && !(zi->attributes & (ZYDIS_ATTRIB_HAS_VEX | ZYDIS_ATTRIB_HAS_EVEX)) &&
	    zi->meta.isa_set != ZYDIS_ISA_SET_X87)
		return 16;
	return 1;
}

static bool emu_vx_x87_flags(const ZydisDecodedInstruction *zi, uint8_t *flags)
{
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_FNSTENV: case ZYDIS_MNEMONIC_FNSAVE:
	case ZYDIS_MNEMONIC_FNSTCW: case ZYDIS_MNEMONIC_FNSTSW:
		return true;	/* no wait, no FIP/FDP update */
	case ZYDIS_MNEMONIC_FLDENV: case ZYDIS_MNEMONIC_FRSTOR:
	case ZYDIS_MNEMONIC_FLDCW:
		*flags |= EMU_VX_X87;
		return true;
	default:
		*flags |= EMU_VX_X87 | EMU_VX_FIP;
		return true;
	}
}

/* Re-encode with the memory operand [rip + disp32]; false if Zydis cannot. */
static bool emu_vx_encode(struct emu_vx *vx, const ZydisDecodedInstruction *zi,
			  const ZydisDecodedOperand *zo)
{
	ZydisEncoderRequest req;
	ZydisDecoder dec;
	ZydisDecodedInstruction ri;
	ZyanUSize len = sizeof(vx->code);
	unsigned nmem = 0;

	if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(zi, zo,
			zi->operand_count_visible, &req)))
		return false;
	for (unsigned i = 0; i < req.operand_count; i++) {
		ZydisEncoderOperand *o = &req.operands[i];

		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		o->mem.base = ZYDIS_REGISTER_RIP;
		o->mem.index = ZYDIS_REGISTER_NONE;
		o->mem.scale = 0;
		o->mem.displacement = 0x10000;
		nmem++;
	}
	req.prefixes &= ~(ZYDIS_ATTRIB_HAS_SEGMENT | ZYDIS_ATTRIB_HAS_ADDRESSSIZE);
	req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_64;
	if (nmem != 1 || ZYAN_FAILED(ZydisEncoderEncodeInstruction(&req, vx->code, &len)))
		return false;
	/* find the disp32 and check the round trip */
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
	    ZYAN_FAILED(ZydisDecoderDecodeInstruction(&dec, NULL, vx->code, len, &ri)) ||
	    ri.length != len || ri.mnemonic != zi->mnemonic || ri.raw.disp.size != 32 ||
	    ri.raw.disp.value != 0x10000)
		return false;
	vx->len = (uint8_t)len;
	vx->disp_at = ri.raw.disp.offset;
	return true;
}

/*
 * Masked accesses touch only some elements of their operand, and the CPU
 * does not fault on the others: note which, so that an operand running
 * past the map whose accessed elements are all inside it is a map access
 * (vx_exec.c).  Broadcasts read one element whatever the mask.
 */
static void emu_vx_mask_kind(struct emu_vx *vx, const ZydisDecodedInstruction *zi,
			     const ZydisDecodedOperand *zo, const ZydisDecodedOperand *mem)
{
	if (!mem->element_size || mem->element_size % 8)
		return;
	vx->esize = (uint8_t)(mem->element_size / 8);
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_VMASKMOVPS: case ZYDIS_MNEMONIC_VMASKMOVPD:
	case ZYDIS_MNEMONIC_VPMASKMOVD: case ZYDIS_MNEMONIC_VPMASKMOVQ:
		for (unsigned i = 0; i < zi->operand_count; i++) {
			ZydisRegister r = zo[i].reg.value;

			if (zo[i].type != ZYDIS_OPERAND_TYPE_REGISTER ||
			    zo[i].encoding != ZYDIS_OPERAND_ENCODING_NDSNDD)
				continue;
			if (r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM15)
				vx->mreg = (uint8_t)(r - ZYDIS_REGISTER_XMM0);
			else if (r >= ZYDIS_REGISTER_YMM0 && r <= ZYDIS_REGISTER_YMM15)
				vx->mreg = (uint8_t)(r - ZYDIS_REGISTER_YMM0);
			else
				return;
			vx->mkind = EMU_VX_MK_VEC;
		}
		return;
	default:
		break;
	}
	/*
	 * The opmask suppresses faults element by element only where Intel's
	 * exception class says so (E1..E6, E10, E11; not the NF classes of
	 * permutes and shuffles, which read the whole operand), and not for
	 * a single element (broadcasts, scalars).
	 */
	if (!vx->kreg || zi->avx.broadcast.mode != ZYDIS_BROADCAST_MODE_INVALID ||
	    mem->size <= mem->element_size)
		return;
	switch (zi->meta.exception_class) {
	case ZYDIS_EXCEPTION_CLASS_E1: case ZYDIS_EXCEPTION_CLASS_E2:
	case ZYDIS_EXCEPTION_CLASS_E3: case ZYDIS_EXCEPTION_CLASS_E4:
	case ZYDIS_EXCEPTION_CLASS_E5: case ZYDIS_EXCEPTION_CLASS_E6:
	case ZYDIS_EXCEPTION_CLASS_E10: case ZYDIS_EXCEPTION_CLASS_E11:
		break;
	default:
		return;
	}
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_VPCOMPRESSB: case ZYDIS_MNEMONIC_VPCOMPRESSW:
	case ZYDIS_MNEMONIC_VPCOMPRESSD: case ZYDIS_MNEMONIC_VPCOMPRESSQ:
	case ZYDIS_MNEMONIC_VCOMPRESSPS: case ZYDIS_MNEMONIC_VCOMPRESSPD:
	case ZYDIS_MNEMONIC_VPEXPANDB: case ZYDIS_MNEMONIC_VPEXPANDW:
	case ZYDIS_MNEMONIC_VPEXPANDD: case ZYDIS_MNEMONIC_VPEXPANDQ:
	case ZYDIS_MNEMONIC_VEXPANDPS: case ZYDIS_MNEMONIC_VEXPANDPD:
		vx->mkind = EMU_VX_MK_PACKED;
		break;
	default:
		vx->mkind = EMU_VX_MK_K;
		break;
	}
}

bool emu_vx_decode(struct emu_insn *insn, const struct ZydisDecodedInstruction_ *zi,
		   const struct ZydisDecodedOperand_ *zo)
{
	struct emu_vx vx = { .xfeat = 0 };
	const ZydisDecodedOperand *mem = NULL;
	uint64_t need;
	bool x87 = false, mmx = false;
	unsigned msize;

	if (!__atomic_load_n(&emu_vx_cpu.ready, __ATOMIC_ACQUIRE) || insn->mem == 0xff)
		return false;
	need = emu_vx_isa_features(zi->meta.isa_set);
	if (!need || (need & ~emu_vx_cpu.feat))
		return false;
	if (zi->attributes & (ZYDIS_ATTRIB_HAS_LOCK | ZYDIS_ATTRIB_IS_RELATIVE |
			      ZYDIS_ATTRIB_IS_PRIVILEGED))
		return false;
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_MASKMOVQ:
	case ZYDIS_MNEMONIC_MASKMOVDQU:
	case ZYDIS_MNEMONIC_VMASKMOVDQU:
		return false;	/* implicit [rdi] */
	default:
		break;
	}
	for (unsigned i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *o = &zo[i];

		switch (o->type) {
		case ZYDIS_OPERAND_TYPE_REGISTER:
			if (!emu_vx_reg_ok(o->reg.value, &vx.xfeat, &x87, &mmx))
				return false;
			break;
		case ZYDIS_OPERAND_TYPE_MEMORY:
			if (mem || o->mem.type != ZYDIS_MEMOP_TYPE_MEM ||
			    o->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
				return false;
			mem = o;
			break;
		case ZYDIS_OPERAND_TYPE_IMMEDIATE:
			break;
		default:
			return false;
		}
	}
	msize = mem ? mem->size / 8 : 0;
	if (!msize || msize > REGMAP_MAP_SIZE)
		return false;

	/* state components: VEX/EVEX writes zero the upper bits, legacy SSE keeps them */
	if (zi->attributes & ZYDIS_ATTRIB_HAS_EVEX)
		vx.xfeat |= EMU_XC_SSE | EMU_XC_AVX | EMU_XC_K | EMU_XC_ZMMH | EMU_XC_HI16;
	else if (zi->attributes & ZYDIS_ATTRIB_HAS_VEX)
		vx.xfeat = (vx.xfeat & (EMU_XC_X87 | EMU_XC_K)) | EMU_XC_SSE | EMU_XC_AVX |
			   EMU_XC_ZMMH;
	else if (!(need & (EMU_VF(X87) | EMU_VF(MMX))) || (vx.xfeat & EMU_XC_SSE))
		vx.xfeat = (vx.xfeat & EMU_XC_X87) | EMU_XC_SSE;	/* MXCSR at least */
	if (x87 || zi->meta.isa_ext == ZYDIS_ISA_EXT_X87 ||
	    zi->meta.isa_set == ZYDIS_ISA_SET_X87 || zi->meta.isa_set == ZYDIS_ISA_SET_SSE3X87) {
		vx.xfeat |= EMU_XC_X87;
		emu_vx_x87_flags(zi, &vx.flags);
	} else if (mmx || (need & EMU_VF(MMX))) {
		vx.xfeat |= EMU_XC_X87;
		vx.flags |= EMU_VX_X87;
	}
	if (zi->mnemonic == ZYDIS_MNEMONIC_LDMXCSR || zi->mnemonic == ZYDIS_MNEMONIC_VLDMXCSR)
		vx.flags |= EMU_VX_LDMXCSR;
	if (zi->mnemonic == ZYDIS_MNEMONIC_LDMXCSR || zi->mnemonic == ZYDIS_MNEMONIC_STMXCSR ||
	    zi->mnemonic == ZYDIS_MNEMONIC_VLDMXCSR || zi->mnemonic == ZYDIS_MNEMONIC_VSTMXCSR) {
		vx.xfeat |= EMU_XC_SSE;
		vx.flags |= EMU_VX_NOMX;
	}
	vx.xfeat &= (uint8_t)emu_vx_cpu.xcr0;

	if (mem->actions & ZYDIS_OPERAND_ACTION_MASK_READ)
		vx.flags |= EMU_VX_READ;
	if (mem->actions & ZYDIS_OPERAND_ACTION_WRITE)
		vx.flags |= EMU_VX_WRITE;
	if (mem->actions & ZYDIS_OPERAND_ACTION_CONDWRITE)
		vx.flags |= EMU_VX_CWRITE;
	/* a masked AVX-512 store writes only the selected elements */
	if ((vx.flags & EMU_VX_WRITE) && zi->avx.mask.reg != ZYDIS_REGISTER_NONE &&
	    zi->avx.mask.reg != ZYDIS_REGISTER_K0)
		vx.flags = (vx.flags & ~EMU_VX_WRITE) | EMU_VX_CWRITE;
	vx.align = emu_vx_align(zi, msize);
	/* masked EVEX accesses with no element selected do not fault */
	if ((zi->attributes & ZYDIS_ATTRIB_HAS_EVEX) && zi->avx.mask.reg > ZYDIS_REGISTER_K0 &&
	    zi->avx.mask.reg <= ZYDIS_REGISTER_K7 && mem->element_size) {
		vx.kreg = (uint8_t)(zi->avx.mask.reg - ZYDIS_REGISTER_K0);
		vx.nelem = (uint8_t)(msize * 8 / mem->element_size);
	}
	emu_vx_mask_kind(&vx, zi, zo, mem);
	if (!emu_vx_encode(&vx, zi, zo))
		return false;

	insn->op[0] = insn->op[insn->mem];
	insn->op[0].size = (uint8_t)msize;
	insn->mem = 0;
	insn->nops = 1;
	insn->vx = vx;
	insn->handler = emu_h_vx;
	return true;
}
