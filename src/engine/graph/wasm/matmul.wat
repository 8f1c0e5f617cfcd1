;; The graph engine's matrix product in WebAssembly SIMD: two float64 lanes per
;; instruction, which plain JavaScript cannot use. Compiled by scripts/build-wasm.mjs
;; into matmul.wasm.ts; tensor.ts copies the operands in and the product out.
;;
;; out[m×n] = a[m×k] · b[k×n], row-major float64, byte addresses in memory.
;; m and n are multiples of 4 and k ≥ 1: the caller pads with zeros.
;;
;; A 4×4 block of out stays in eight f64x2 registers while l runs over k: per step,
;; two vector loads of b's row l (columns j..j+3), four of a's elements splatted, and
;; sixteen multiply-adds as eight pairs.
(module
  (memory (export "memory") 1)
  (func (export "matmul")
    (param $a i32) (param $b i32) (param $out i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $j i32)
    (local $kBytes i32) (local $nBytes i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $l i32) (local $bp i32) (local $op i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $kBytes (i32.shl (local.get $k) (i32.const 3)))
    (local.set $nBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $i (i32.const 0))
    (loop $rows
      ;; byte addresses of rows i .. i+3 of a
      (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $kBytes))))
      (local.set $a1 (i32.add (local.get $a0) (local.get $kBytes)))
      (local.set $a2 (i32.add (local.get $a1) (local.get $kBytes)))
      (local.set $a3 (i32.add (local.get $a2) (local.get $kBytes)))
      (local.set $j (i32.const 0))
      (loop $cols
        (local.set $c00 (v128.const f64x2 0 0)) (local.set $c01 (v128.const f64x2 0 0))
        (local.set $c10 (v128.const f64x2 0 0)) (local.set $c11 (v128.const f64x2 0 0))
        (local.set $c20 (v128.const f64x2 0 0)) (local.set $c21 (v128.const f64x2 0 0))
        (local.set $c30 (v128.const f64x2 0 0)) (local.set $c31 (v128.const f64x2 0 0))
        ;; b[0, j]
        (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $l (i32.const 0))
        (loop $inner
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $x (f64x2.splat (f64.load (i32.add (local.get $a0) (local.get $l)))))
          (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (f64x2.splat (f64.load (i32.add (local.get $a1) (local.get $l)))))
          (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (f64x2.splat (f64.load (i32.add (local.get $a2) (local.get $l)))))
          (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (f64x2.splat (f64.load (i32.add (local.get $a3) (local.get $l)))))
          (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $bp (i32.add (local.get $bp) (local.get $nBytes)))
          (local.set $l (i32.add (local.get $l) (i32.const 8)))
          (br_if $inner (i32.lt_u (local.get $l) (local.get $kBytes))))
        ;; out[i .. i+3, j .. j+3]
        (local.set $op (i32.add (local.get $out)
          (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))))
        (v128.store (local.get $op) (local.get $c00))
        (v128.store offset=16 (local.get $op) (local.get $c01))
        (local.set $op (i32.add (local.get $op) (local.get $nBytes)))
        (v128.store (local.get $op) (local.get $c10))
        (v128.store offset=16 (local.get $op) (local.get $c11))
        (local.set $op (i32.add (local.get $op) (local.get $nBytes)))
        (v128.store (local.get $op) (local.get $c20))
        (v128.store offset=16 (local.get $op) (local.get $c21))
        (local.set $op (i32.add (local.get $op) (local.get $nBytes)))
        (v128.store (local.get $op) (local.get $c30))
        (v128.store offset=16 (local.get $op) (local.get $c31))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br_if $cols (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $m))))))
