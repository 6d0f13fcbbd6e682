//! The 32-bit Mersenne Twister exactly as ATen's `at::mt19937` runs it: `init_genrand` seeding
//! from the low 32 bits of the seed, and a lazy regeneration of the whole state block on the
//! draw that finds `left == 0` (so `left`/`next` match PyTorch's saved state at every point).

pub const STATE_N: usize = 624;
const STATE_M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// Raw engine data, field for field ATen's `mt19937_data_pod`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mt19937 {
    /// The seed as given (all 64 bits), reported by `initial_seed()`.
    pub(crate) seed: u64,
    pub(crate) left: i32,
    pub(crate) seeded: bool,
    pub(crate) next: u32,
    pub(crate) state: [u32; STATE_N],
}

impl Mt19937 {
    pub fn new(seed: u64) -> Self {
        let mut state = [0u32; STATE_N];
        state[0] = seed as u32;
        for j in 1..STATE_N {
            let prev = state[j - 1];
            state[j] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(j as u32);
        }
        Mt19937 {
            seed,
            left: 1,
            seeded: true,
            next: 0,
            state,
        }
    }

    /// ATen's `is_valid()`: the only states `set_state` accepts.
    pub fn is_valid(&self) -> bool {
        self.seeded
            && self.left > 0
            && self.left as usize <= STATE_N
            && self.next as usize <= STATE_N
    }

    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        self.left -= 1;
        if self.left == 0 {
            self.regenerate();
        }
        // A state loaded from bytes may claim next == 624 with left > 1; PyTorch would read past
        // the array there, we wrap instead of panicking.
        let idx = self.next as usize % STATE_N;
        self.next = self.next.wrapping_add(1);
        let mut y = self.state[idx];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    fn regenerate(&mut self) {
        #[inline]
        fn twist(u: u32, v: u32) -> u32 {
            let mixed = (u & UPPER_MASK) | (v & LOWER_MASK);
            (mixed >> 1) ^ if v & 1 != 0 { MATRIX_A } else { 0 }
        }
        let s = &mut self.state;
        for k in 0..STATE_N - STATE_M {
            s[k] = s[k + STATE_M] ^ twist(s[k], s[k + 1]);
        }
        for k in STATE_N - STATE_M..STATE_N - 1 {
            s[k] = s[k + STATE_M - STATE_N] ^ twist(s[k], s[k + 1]);
        }
        s[STATE_N - 1] = s[STATE_M - 1] ^ twist(s[STATE_N - 1], s[0]);
        self.left = STATE_N as i32;
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_reference_mt19937() {
        // The C++11 std::mt19937 default seed 5489 gives 3499211612 first and 4123659995 as
        // the 10000th output (the standard's own conformance value).
        let mut e = Mt19937::new(5489);
        assert_eq!(e.next_u32(), 3_499_211_612);
        for _ in 1..9999 {
            e.next_u32();
        }
        assert_eq!(e.next_u32(), 4_123_659_995);
    }

    #[test]
    fn uses_low_32_bits_of_seed() {
        let mut a = Mt19937::new((1u64 << 33) + 5);
        let mut b = Mt19937::new(5);
        assert_eq!(a.next_u32(), b.next_u32());
        assert_eq!(a.seed, (1u64 << 33) + 5);
    }
}
