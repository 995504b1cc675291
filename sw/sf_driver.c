/* SynergyFlow bare-metal host driver: see sf_driver.h and sw/README.md. */
#include "sf_driver.h"

#include <string.h>

static uint32_t rd(const sf_device_t *dev, uint32_t offset) {
  return dev->plat->read32(dev->plat->ctx, offset);
}

static void wr(const sf_device_t *dev, uint32_t offset, uint32_t value) {
  dev->plat->write32(dev->plat->ctx, offset, value);
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int sf_open(sf_device_t *dev, const sf_platform_t *plat) {
  if (dev == NULL || plat == NULL || plat->read32 == NULL || plat->write32 == NULL ||
      plat->copy_to_device == NULL || plat->copy_from_device == NULL) {
    return SF_ERR_ARG;
  }
  memset(dev, 0, sizeof *dev);
  dev->plat = plat;
  if (rd(dev, SF_REG_CFG_MAGIC) != SF_CFG_MAGIC_VALUE) return SF_ERR_NO_DEVICE;
  if (rd(dev, SF_REG_CFG_VERSION) != SF_CFG_VERSION_VALUE) return SF_ERR_NO_DEVICE;
  dev->config_hash = rd(dev, SF_REG_CFG_HASH);
  dev->engines = rd(dev, SF_REG_CFG_ENGINES);
  dev->channels = rd(dev, SF_REG_CFG_CHANNELS);
  dev->bus_bytes = rd(dev, SF_REG_CFG_BUS_BITS) / 8u;
  dev->trace_bytes = rd(dev, SF_REG_CFG_TRACE_BYTES);
  dev->tn = rd(dev, SF_REG_CFG_TN);
  dev->tm = rd(dev, SF_REG_CFG_TM);
  return SF_OK;
}

static int is_busy(const sf_device_t *dev) {
  return SF_GET(rd(dev, SF_REG_STATUS), SF_STATUS_BUSY) != 0u;
}

int sf_load(sf_device_t *dev, const sf_program_t *prog) {
  if (dev == NULL || dev->plat == NULL || prog == NULL || (prog->image == NULL && prog->image_bytes != 0u)) return SF_ERR_ARG;
  if (prog->config_hash != dev->config_hash) return SF_ERR_CONFIG;
  if (prog->trace_base != 0u && prog->trace_bytes != dev->trace_bytes) return SF_ERR_CONFIG;
  if (is_busy(dev)) return SF_ERR_BUSY;
  if (prog->image_bytes != 0u &&
      dev->plat->copy_to_device(dev->plat->ctx, prog->image_base, prog->image, prog->image_bytes) != 0) {
    return SF_ERR_IO;
  }
  wr(dev, SF_REG_TASK_BASE, prog->task_base);
  wr(dev, SF_REG_TRACE_BASE, prog->trace_base);
  /* The registers keep the address bits above the alignment: a misaligned base reads back changed. */
  if (rd(dev, SF_REG_TASK_BASE) != prog->task_base || rd(dev, SF_REG_TRACE_BASE) != prog->trace_base) return SF_ERR_ARG;
  return SF_OK;
}

int sf_start(sf_device_t *dev, const sf_program_t *prog, int irq) {
  if (dev == NULL || dev->plat == NULL || prog == NULL) return SF_ERR_ARG;
  if (prog->policy > (SF_CTRL_POLICY_MASK >> SF_CTRL_POLICY_SHIFT) ||
      prog->static_log > (SF_CTRL_STATIC_LOG_MASK >> SF_CTRL_STATIC_LOG_SHIFT)) {
    return SF_ERR_ARG;
  }
  if (is_busy(dev)) return SF_ERR_BUSY;
  wr(dev, SF_REG_CTRL,
     SF_PUT(SF_CTRL_START, 1u) | SF_PUT(SF_CTRL_IRQ_EN, irq ? 1u : 0u) |
     SF_PUT(SF_CTRL_POLICY, prog->policy) | SF_PUT(SF_CTRL_STATIC_LOG, prog->static_log));
  return SF_OK;
}

void sf_ack(sf_device_t *dev) {
  wr(dev, SF_REG_STATUS, SF_PUT(SF_STATUS_DONE, 1u));
}

int sf_read_status(sf_device_t *dev, sf_status_t *st) {
  uint32_t hi, lo, hi2;
  if (dev == NULL || dev->plat == NULL || st == NULL) return SF_ERR_ARG;
  st->raw = rd(dev, SF_REG_STATUS);
  st->busy = SF_GET(st->raw, SF_STATUS_BUSY) != 0u;
  st->done = SF_GET(st->raw, SF_STATUS_DONE) != 0u;
  st->error_code = SF_GET(st->raw, SF_STATUS_ERROR_CODE);
  st->tasks_done = rd(dev, SF_REG_TASKS_DONE);
  /* A consistent 64-bit count while it runs: the high word read before and after the low one. */
  do {
    hi = rd(dev, SF_REG_CYCLES_HI);
    lo = rd(dev, SF_REG_CYCLES_LO);
    hi2 = rd(dev, SF_REG_CYCLES_HI);
  } while (hi != hi2);
  st->cycles = ((uint64_t)hi << 32) | lo;
  st->rd_beats = rd(dev, SF_REG_RD_BEATS);
  st->wr_beats = rd(dev, SF_REG_WR_BEATS);
  st->rd_bytes = (uint64_t)st->rd_beats * dev->bus_bytes;
  st->wr_bytes = (uint64_t)st->wr_beats * dev->bus_bytes;
  return SF_OK;
}

int sf_wait(sf_device_t *dev, const sf_program_t *prog, sf_wait_mode_t mode, uint64_t timeout, sf_status_t *status) {
  const sf_platform_t *plat;
  sf_status_t local;
  sf_status_t *st = status != NULL ? status : &local;
  uint64_t t0 = 0, polls = 0, elapsed, remaining;
  int done = 0;
  if (dev == NULL || dev->plat == NULL) return SF_ERR_ARG;
  plat = dev->plat;
  if (plat->ticks != NULL) t0 = plat->ticks(plat->ctx);
  for (;;) {
    if (SF_GET(rd(dev, SF_REG_STATUS), SF_STATUS_DONE) != 0u) {
      done = 1;
      break;
    }
    elapsed = plat->ticks != NULL ? plat->ticks(plat->ctx) - t0 : polls;
    if (elapsed >= timeout) break;
    remaining = timeout - elapsed;
    if (mode == SF_WAIT_IRQ && plat->wait_irq != NULL) {
      /* Without a tick counter a timed-out wait uses up the whole timeout. */
      int timed_out = plat->wait_irq(plat->ctx, remaining) != 0;
      polls = timed_out ? timeout : polls + 1u;
    } else {
      polls++;
    }
  }
  sf_read_status(dev, st);
  if (!done) return SF_ERR_TIMEOUT;
  sf_ack(dev);
  if (st->error_code != 0u) return (int)st->error_code;
  if (prog != NULL && st->tasks_done != prog->task_count) return SF_ERR_INCOMPLETE;
  return SF_OK;
}

int sf_run(sf_device_t *dev, const sf_program_t *prog, sf_wait_mode_t mode, uint64_t timeout, sf_status_t *status) {
  int r = sf_load(dev, prog);
  if (r != SF_OK) return r;
  r = sf_start(dev, prog, mode == SF_WAIT_IRQ);
  if (r != SF_OK) return r;
  return sf_wait(dev, prog, mode, timeout, status);
}

int sf_read_engine_counters(sf_device_t *dev, uint32_t engine, sf_engine_counters_t *c) {
  if (dev == NULL || dev->plat == NULL || c == NULL || engine >= dev->engines) return SF_ERR_ARG;
  c->busy = rd(dev, SF_REG_ENG_BUSY(engine));
  c->compute = rd(dev, SF_REG_ENG_COMPUTE(engine));
  c->stall = rd(dev, SF_REG_ENG_STALL(engine));
  return SF_OK;
}

int sf_read_channel_counters(sf_device_t *dev, uint32_t channel, sf_channel_counters_t *c) {
  if (dev == NULL || dev->plat == NULL || c == NULL || channel >= dev->channels) return SF_ERR_ARG;
  c->rd_beats = rd(dev, SF_REG_CH_RD_BEATS(channel));
  c->wr_beats = rd(dev, SF_REG_CH_WR_BEATS(channel));
  return SF_OK;
}

int sf_read_trace(sf_device_t *dev, const sf_program_t *prog, uint32_t index, sf_trace_record_t *r) {
  uint8_t buf[SF_TRACE_FIELD_BYTES];
  if (dev == NULL || dev->plat == NULL || prog == NULL || r == NULL || prog->trace_base == 0u || index >= prog->task_count) return SF_ERR_ARG;
  if (dev->plat->copy_from_device(dev->plat->ctx, buf, prog->trace_base + index * prog->trace_bytes, sizeof buf) != 0) return SF_ERR_IO;
  r->task = le32(buf + SF_TRACE_TASK_OFFSET);
  r->engine_mask = le32(buf + SF_TRACE_ENGINE_MASK_OFFSET);
  r->start_cycle = le32(buf + SF_TRACE_START_CYCLE_OFFSET);
  r->end_cycle = le32(buf + SF_TRACE_END_CYCLE_OFFSET);
  return SF_OK;
}

/* The beat of pixel (n, y, x) in c-block cb, and how many of its lanes are real channels. */
static uint32_t beat_addr(const sf_tensor_t *t, uint32_t n, uint32_t cb, uint32_t y, uint32_t x) {
  return t->addr + n * t->image_stride + cb * t->cblock_stride + y * t->row_stride + x * t->col_stride;
}

/* The lanes of c-block cb that are real channels (the last block may have fewer). */
static uint32_t block_lanes(const sf_tensor_t *t, uint32_t cb) {
  uint32_t left = t->channels - cb * t->lanes;
  return left < t->lanes ? left : t->lanes;
}

/* The NCHW index of lane l of pixel (n, y, x) in c-block cb. */
static size_t nchw_index(const sf_tensor_t *t, uint32_t n, uint32_t cb, uint32_t l, uint32_t y, uint32_t x) {
  return (((size_t)n * t->channels + cb * t->lanes + l) * t->height + y) * t->width + x;
}

static int tensor_ok(const sf_device_t *dev, const sf_tensor_t *t, const void *nchw, size_t beat_bytes) {
  return dev != NULL && dev->plat != NULL && t != NULL && nchw != NULL && t->lanes != 0u &&
         (t->elem_bytes == 1u || t->elem_bytes == 2u) && (size_t)t->lanes * t->elem_bytes <= beat_bytes;
}

int sf_read_tensor(sf_device_t *dev, const sf_tensor_t *t, void *nchw) {
  uint8_t beat[SF_CFG_BUS_BITS_VALUE / 8u];
  uint32_t n, cb, y, x, l, cblocks;
  if (!tensor_ok(dev, t, nchw, sizeof beat)) return SF_ERR_ARG;
  cblocks = (t->channels + t->lanes - 1u) / t->lanes;
  for (n = 0; n < t->batch; n++) {
    for (cb = 0; cb < cblocks; cb++) {
      uint32_t lanes = block_lanes(t, cb);
      for (y = 0; y < t->height; y++) {
        for (x = 0; x < t->width; x++) {
          if (dev->plat->copy_from_device(dev->plat->ctx, beat, beat_addr(t, n, cb, y, x), lanes * t->elem_bytes) != 0) return SF_ERR_IO;
          for (l = 0; l < lanes; l++) {
            size_t i = nchw_index(t, n, cb, l, y, x);
            if (t->elem_bytes == 1u) {
              ((int8_t *)nchw)[i] = (int8_t)(beat[l] >= 0x80u ? (int)beat[l] - 0x100 : (int)beat[l]);
            } else {
              uint32_t v = (uint32_t)beat[2u * l] | ((uint32_t)beat[2u * l + 1u] << 8);
              ((int16_t *)nchw)[i] = (int16_t)(v >= 0x8000u ? (int32_t)v - 0x10000 : (int32_t)v);
            }
          }
        }
      }
    }
  }
  return SF_OK;
}

int sf_write_tensor(sf_device_t *dev, const sf_tensor_t *t, const void *nchw) {
  uint8_t beat[SF_CFG_BUS_BITS_VALUE / 8u];
  uint32_t n, cb, y, x, l, cblocks;
  if (!tensor_ok(dev, t, nchw, sizeof beat)) return SF_ERR_ARG;
  cblocks = (t->channels + t->lanes - 1u) / t->lanes;
  for (n = 0; n < t->batch; n++) {
    for (cb = 0; cb < cblocks; cb++) {
      uint32_t lanes = block_lanes(t, cb);
      for (y = 0; y < t->height; y++) {
        for (x = 0; x < t->width; x++) {
          for (l = 0; l < lanes; l++) {
            size_t i = nchw_index(t, n, cb, l, y, x);
            if (t->elem_bytes == 1u) {
              beat[l] = (uint8_t)((const int8_t *)nchw)[i];
            } else {
              uint16_t v = (uint16_t)((const int16_t *)nchw)[i];
              beat[2u * l] = (uint8_t)(v & 0xffu);
              beat[2u * l + 1u] = (uint8_t)(v >> 8);
            }
          }
          if (dev->plat->copy_to_device(dev->plat->ctx, beat_addr(t, n, cb, y, x), beat, lanes * t->elem_bytes) != 0) return SF_ERR_IO;
        }
      }
    }
  }
  return SF_OK;
}

const char *sf_result_name(int result) {
  switch (result) {
    case SF_OK: return "OK";
    case SF_ERR_TIMEOUT: return "TIMEOUT";
    case SF_ERR_NO_DEVICE: return "NO_DEVICE";
    case SF_ERR_CONFIG: return "CONFIG";
    case SF_ERR_BUSY: return "BUSY";
    case SF_ERR_ARG: return "ARG";
    case SF_ERR_IO: return "IO";
    case SF_ERR_INCOMPLETE: return "INCOMPLETE";
    default: break;
  }
#define SF_FAULT_NAME(code, NAME, doc) \
  if (result == (int)(code)) return #NAME;
  SF_FAULT_CODES(SF_FAULT_NAME)
#undef SF_FAULT_NAME
  return "UNKNOWN";
}

const char *sf_policy_name(uint32_t policy) {
#define SF_POLICY_NAME(code, NAME, name, doc) \
  if (policy == (code)) return name;
  SF_POLICIES(SF_POLICY_NAME)
#undef SF_POLICY_NAME
  return "unknown";
}
