//! `Generator`: PyTorch's `CPUGeneratorImpl` (an MT19937 engine plus the cached second value of
//! the scalar Box–Muller normal), with its `get_state`/`set_state` byte layout.

use super::mt19937::{Mt19937, STATE_N};

/// The seed of PyTorch's default CPU generator and of a fresh `torch.Generator()`.
pub const DEFAULT_SEED: u64 = 67_280_421_310_721;

/// `sizeof(CPUGeneratorImplState)` = `torch.get_rng_state().numel()`: the legacy struct
/// (seed u64, left i32, seeded i32, next u64, state[624] as u64, normal_x/normal_y/normal_rho
/// f64, normal_is_valid i32, 4 bytes padding: 5048 bytes), then next_float_normal_sample f32
/// and is_next_float_normal_sample_valid bool, padded to 8. Little-endian.
pub const STATE_SIZE: usize = 5056;
const LEGACY_STATE_SIZE: usize = 5048;

const OFF_LEFT: usize = 8;
const OFF_SEEDED: usize = 12;
const OFF_NEXT: usize = 16;
const OFF_STATE: usize = 24;
const OFF_NORMAL_Y: usize = OFF_STATE + 8 * STATE_N + 8; // after normal_x at 5016
const OFF_NORMAL_VALID: usize = OFF_NORMAL_Y + 16; // after normal_rho: 5040
const OFF_FLOAT_NORMAL: usize = LEGACY_STATE_SIZE; // 5048
const OFF_FLOAT_VALID: usize = OFF_FLOAT_NORMAL + 4;

#[derive(Clone, Debug, PartialEq)]
pub struct Generator {
    engine: Mt19937,
    /// Second value of the last scalar Box–Muller pair (`next_double_normal_sample_`).
    next_double_normal: Option<f64>,
    /// `next_float_normal_sample_`: no CPU kernel fills it, but states carry it.
    next_float_normal: Option<f32>,
}

impl Default for Generator {
    fn default() -> Self {
        Generator::new(DEFAULT_SEED)
    }
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator {
            engine: Mt19937::new(seed),
            next_double_normal: None,
            next_float_normal: None,
        }
    }

    /// `manual_seed`: reseeds from the low 32 bits and drops the cached normals.
    pub fn manual_seed(&mut self, seed: u64) {
        *self = Generator::new(seed);
    }

    /// `torch.seed()` / `Generator.seed()`: reseed non-deterministically; returns the new seed.
    pub fn seed_nondeterministic(&mut self) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(t.as_nanos());
        }
        let seed = h.finish();
        self.manual_seed(seed);
        seed
    }

    pub fn initial_seed(&self) -> u64 {
        self.engine.seed
    }

    /// ATen's `random()`.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        self.engine.next_u32()
    }

    /// ATen's `random64()`: the first 32-bit draw is the high half.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let hi = self.engine.next_u32() as u64;
        let lo = self.engine.next_u32() as u64;
        (hi << 32) | lo
    }

    /// `uniform_real_distribution<float>(0, 1)`: 24 random bits, exact in f32.
    #[inline]
    pub fn uniform_f32(&mut self) -> f32 {
        (self.next_u32() & 0x00ff_ffff) as f32 * (1.0 / 16_777_216.0)
    }

    /// `uniform_real_distribution<double>(0, 1)`: 53 random bits from one `random64()`.
    #[inline]
    pub fn uniform_f64(&mut self) -> f64 {
        (self.next_u64() & ((1u64 << 53) - 1)) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    pub(crate) fn take_double_normal(&mut self) -> Option<f64> {
        self.next_double_normal.take()
    }

    pub(crate) fn set_double_normal(&mut self, z: f64) {
        self.next_double_normal = Some(z);
    }

    /// Serialises like `torch.get_rng_state()` / `Generator.get_state()` (5056 bytes,
    /// little-endian, padding zeroed as PyTorch's value-initialised struct has it).
    pub fn get_state(&self) -> Vec<u8> {
        let mut b = vec![0u8; STATE_SIZE];
        let e = &self.engine;
        b[0..8].copy_from_slice(&e.seed.to_le_bytes());
        b[OFF_LEFT..OFF_LEFT + 4].copy_from_slice(&e.left.to_le_bytes());
        b[OFF_SEEDED..OFF_SEEDED + 4].copy_from_slice(&(e.seeded as i32).to_le_bytes());
        b[OFF_NEXT..OFF_NEXT + 8].copy_from_slice(&(e.next as u64).to_le_bytes());
        for (k, w) in e.state.iter().enumerate() {
            let at = OFF_STATE + 8 * k;
            b[at..at + 8].copy_from_slice(&(*w as u64).to_le_bytes());
        }
        // normal_x and normal_rho stay 0.0: PyTorch writes them as dummies.
        if let Some(z) = self.next_double_normal {
            b[OFF_NORMAL_Y..OFF_NORMAL_Y + 8].copy_from_slice(&z.to_le_bytes());
            b[OFF_NORMAL_VALID..OFF_NORMAL_VALID + 4].copy_from_slice(&1i32.to_le_bytes());
        }
        if let Some(z) = self.next_float_normal {
            b[OFF_FLOAT_NORMAL..OFF_FLOAT_NORMAL + 4].copy_from_slice(&z.to_le_bytes());
            b[OFF_FLOAT_VALID] = 1;
        }
        b
    }

    /// Loads a state saved by `get_state` or by PyTorch's `torch.get_rng_state()` (5056 bytes;
    /// current PyTorch no longer loads the pre-1.5 5048-byte layout either). On error the
    /// generator is unchanged.
    pub fn set_state(&mut self, bytes: &[u8]) -> Result<(), String> {
        if bytes.len() != STATE_SIZE {
            return Err(format!(
                "Expected a CPUGeneratorImplState of size {STATE_SIZE} but found the input RNG state size to be {}",
                bytes.len()
            ));
        }
        let double_normal =
            (read_i32(bytes, OFF_NORMAL_VALID) != 0).then(|| read_f64(bytes, OFF_NORMAL_Y));
        let float_normal = (bytes[OFF_FLOAT_VALID] != 0).then(|| {
            f32::from_le_bytes(
                bytes[OFF_FLOAT_NORMAL..OFF_FLOAT_NORMAL + 4]
                    .try_into()
                    .unwrap(),
            )
        });
        let mut state = [0u32; STATE_N];
        for (k, w) in state.iter_mut().enumerate() {
            // The legacy layout stores each 32-bit word in a u64; PyTorch truncates.
            *w = u64::from_le_bytes(
                bytes[OFF_STATE + 8 * k..OFF_STATE + 8 * k + 8]
                    .try_into()
                    .unwrap(),
            ) as u32;
        }
        let engine = Mt19937 {
            seed: u64::from_le_bytes(bytes[0..8].try_into().unwrap()),
            left: read_i32(bytes, OFF_LEFT),
            seeded: read_i32(bytes, OFF_SEEDED) != 0,
            next: u64::from_le_bytes(bytes[OFF_NEXT..OFF_NEXT + 8].try_into().unwrap()) as u32,
            state,
        };
        if !engine.is_valid() {
            return Err("Invalid mt19937 state".to_string());
        }
        self.engine = engine;
        self.next_double_normal = double_normal;
        self.next_float_normal = float_normal;
        Ok(())
    }
}

fn read_i32(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn read_f64(b: &[u8], at: usize) -> f64 {
    f64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}
