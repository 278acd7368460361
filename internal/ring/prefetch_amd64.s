#include "textflag.h"

// func prefetchWrite(p *byte, n int)
TEXT ·prefetchWrite(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
loop:
	CMPQ CX, $0
	JLE  done
	// PREFETCHW (AX), spelled out: not every assembler version knows it.
	// CPUs without it treat the encoding as a NOP.
	BYTE $0x0F; BYTE $0x0D; BYTE $0x08
	ADDQ $64, AX
	SUBQ $64, CX
	JMP  loop
done:
	RET
