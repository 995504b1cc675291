// Host-driver harness: the C driver (sw/sf_driver.c) runs a program that `synergyflow compile`
// exported on the Verilated accelerator (sf_host_top.sv: sf_top beside the AXI4 memory model).
// The driver's register accesses drive the AXI4-Lite port cycle by cycle; its copies go into the
// memory model through DPI. Prints SFH_ lines; compares every output byte with the expected
// outputs. Exit: 0 every output matched; 1 a mismatch; 2 the driver returned an error (a hardware
// fault code or its own); 3 usage or file error; 4 a protocol violation or a hung handshake.
//
// harness --image image.bin --expected DIR [--got DIR] [--mode poll|irq] [--timeout CYCLES]
//         [--corrupt-opcode TASK] [--latency N] [--bytes-per-cycle N] [--stall-percent N]
//         [--seed N] [+plusargs for the memory model, e.g. +faults=FILE]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "Vsf_host_top.h"
#include "Vsf_host_top__Dpi.h"
#include "svdpi.h"
#include "verilated.h"

#include "sf_driver.h"

extern "C" void harness_program(sf_program_t *prog, const void *image);

namespace {

// A handshake that has not completed after this many cycles is a hung port.
constexpr uint64_t kHandshakeCycles = 100000;

struct Sim {
  VerilatedContext *ctx = nullptr;
  Vsf_host_top *top = nullptr;
  uint64_t cycle = 0;
  uint64_t reg_accesses = 0;
};

Sim sim;

[[noreturn]] void fatal(int code, const char *what) {
  std::printf("SFH_FATAL %s (cycle %llu)\n", what, static_cast<unsigned long long>(sim.cycle));
  std::fflush(stdout);
  sim.top->final();
  std::exit(code);
}

// One clock cycle: the inputs set while the clock is low are sampled at the rising edge.
void tick() {
  sim.top->clk_i = 1;
  sim.top->eval();
  sim.top->clk_i = 0;
  sim.top->eval();
  sim.cycle++;
  if (sim.top->protocol_error_o) fatal(4, "AXI protocol violation (the SF_PROTOCOL lines say which)");
  if (sim.ctx->gotFinish()) fatal(3, "the simulation called $finish (an SF_FATAL line says why)");
}

uint32_t reg_read(void *, uint32_t offset) {
  Vsf_host_top *t = sim.top;
  sim.reg_accesses++;
  t->s_axil_araddr_i = offset & 0xfffu;
  t->s_axil_arvalid_i = 1;
  t->s_axil_rready_i = 1;
  bool ar_done = false;
  for (uint64_t n = 0; n < kHandshakeCycles; n++) {
    t->eval();
    bool ar_fire = t->s_axil_arvalid_i && t->s_axil_arready_o;
    bool r_fire = ar_done && t->s_axil_rvalid_o && t->s_axil_rready_i;
    uint32_t data = t->s_axil_rdata_o;
    uint32_t resp = t->s_axil_rresp_o;
    tick();
    if (ar_fire) {
      ar_done = true;
      t->s_axil_arvalid_i = 0;
    }
    if (r_fire) {
      t->s_axil_rready_i = 0;
      if (resp != 0) std::printf("SFH_WARN read of register 0x%03x answered with response %u\n", offset, resp);
      return data;
    }
  }
  fatal(4, "AXI4-Lite read handshake never completed");
}

void reg_write(void *, uint32_t offset, uint32_t value) {
  Vsf_host_top *t = sim.top;
  sim.reg_accesses++;
  t->s_axil_awaddr_i = offset & 0xfffu;
  t->s_axil_wdata_i = value;
  t->s_axil_wstrb_i = 0xf;
  t->s_axil_awvalid_i = 1;
  t->s_axil_wvalid_i = 1;
  t->s_axil_bready_i = 1;
  bool aw_done = false, w_done = false;
  for (uint64_t n = 0; n < kHandshakeCycles; n++) {
    t->eval();
    bool aw_fire = t->s_axil_awvalid_i && t->s_axil_awready_o;
    bool w_fire = t->s_axil_wvalid_i && t->s_axil_wready_o;
    bool b_fire = aw_done && w_done && t->s_axil_bvalid_o && t->s_axil_bready_i;
    uint32_t resp = t->s_axil_bresp_o;
    tick();
    if (aw_fire) {
      aw_done = true;
      t->s_axil_awvalid_i = 0;
    }
    if (w_fire) {
      w_done = true;
      t->s_axil_wvalid_i = 0;
    }
    if (b_fire) {
      t->s_axil_bready_i = 0;
      if (resp != 0) std::printf("SFH_WARN write of register 0x%03x answered with response %u\n", offset, resp);
      return;
    }
  }
  fatal(4, "AXI4-Lite write handshake never completed");
}

// Device memory through the memory model's DPI functions: 32-bit words, read-modify-write at the edges.
int mem_to_device(void *, uint32_t addr, const void *src, size_t bytes) {
  const uint8_t *p = static_cast<const uint8_t *>(src);
  for (size_t i = 0; i < bytes;) {
    uint32_t a = static_cast<uint32_t>(addr + i);
    uint32_t word_addr = a & ~3u;
    uint32_t word = 0;
    size_t lane = a & 3u;
    size_t n = bytes - i < 4 - lane ? bytes - i : 4 - lane;
    if (lane != 0 || n != 4) {
      if (sf_mem_read32(word_addr, &word) != 0) return -1;
    }
    for (size_t k = 0; k < n; k++) {
      word &= ~(0xffu << (8 * (lane + k)));
      word |= static_cast<uint32_t>(p[i + k]) << (8 * (lane + k));
    }
    if (sf_mem_write32(word_addr, word) != 0) return -1;
    i += n;
  }
  return 0;
}

int mem_from_device(void *, void *dst, uint32_t addr, size_t bytes) {
  uint8_t *p = static_cast<uint8_t *>(dst);
  for (size_t i = 0; i < bytes;) {
    uint32_t a = static_cast<uint32_t>(addr + i);
    uint32_t word = 0;
    size_t lane = a & 3u;
    size_t n = bytes - i < 4 - lane ? bytes - i : 4 - lane;
    if (sf_mem_read32(a & ~3u, &word) != 0) return -1;
    for (size_t k = 0; k < n; k++) p[i + k] = static_cast<uint8_t>(word >> (8 * (lane + k)));
    i += n;
  }
  return 0;
}

int wait_irq(void *, uint64_t timeout) {
  for (uint64_t n = 0; n < timeout; n++) {
    sim.top->eval();
    if (sim.top->irq_o) return 0;
    tick();
  }
  return 1;
}

uint64_t ticks(void *) { return sim.cycle; }

bool read_file(const std::string &path, std::vector<uint8_t> &out) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  out.clear();
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  std::fclose(f);
  return true;
}

bool write_file(const std::string &path, const void *data, size_t bytes) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(data, 1, bytes, f) == bytes;
  return std::fclose(f) == 0 && ok;
}

[[noreturn]] void usage(const char *why) {
  std::fprintf(stderr, "harness: %s\nusage: harness --image FILE --expected DIR [--got DIR] [--mode poll|irq] [--timeout CYCLES] [--corrupt-opcode TASK] [--latency N] [--bytes-per-cycle N] [--stall-percent N] [--seed N] [+plusarg...]\n", why);
  std::exit(3);
}

}  // namespace

int main(int argc, char **argv) {
  std::string image_path, expected_dir, got_dir, mode = "irq";
  uint64_t timeout = 5000000;
  long corrupt = -1;
  uint32_t latency = 20, bytes_per_cycle = SF_CFG_BUS_BITS_VALUE / 8, stall = 0, seed = 1;
  std::vector<std::string> plusargs;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value of " + a).c_str());
      return argv[++i];
    };
    if (a == "--image") image_path = value();
    else if (a == "--expected") expected_dir = value();
    else if (a == "--got") got_dir = value();
    else if (a == "--mode") mode = value();
    else if (a == "--timeout") timeout = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--corrupt-opcode") corrupt = std::strtol(value().c_str(), nullptr, 10);
    else if (a == "--latency") latency = static_cast<uint32_t>(std::strtoul(value().c_str(), nullptr, 10));
    else if (a == "--bytes-per-cycle") bytes_per_cycle = static_cast<uint32_t>(std::strtoul(value().c_str(), nullptr, 10));
    else if (a == "--stall-percent") stall = static_cast<uint32_t>(std::strtoul(value().c_str(), nullptr, 10));
    else if (a == "--seed") seed = static_cast<uint32_t>(std::strtoul(value().c_str(), nullptr, 10));
    else if (!a.empty() && a[0] == '+') plusargs.push_back(a);
    else usage(("unknown argument " + a).c_str());
  }
  if (image_path.empty() || expected_dir.empty()) usage("--image and --expected are required");
  if (mode != "poll" && mode != "irq") usage("--mode is poll or irq");

  std::vector<uint8_t> image;
  if (!read_file(image_path, image)) usage(("cannot read " + image_path).c_str());
  sf_program_t prog;
  harness_program(&prog, image.data());
  if (image.size() != prog.image_bytes) usage("the image is not the size sf_program.h says (another program's?)");

  // The memory: the next power of two of at least 1024 bus words that holds the image (as run's).
  const uint64_t bus_bytes = SF_CFG_BUS_BITS_VALUE / 8;
  uint64_t words = 1024;
  while (words * bus_bytes < image.size()) words *= 2;
  plusargs.push_back("+mem_words=" + std::to_string(words));
  std::vector<const char *> vargs = {argv[0]};
  for (const std::string &p : plusargs) vargs.push_back(p.c_str());

  auto context = std::make_unique<VerilatedContext>();
  context->commandArgs(static_cast<int>(vargs.size()), vargs.data());
  auto top = std::make_unique<Vsf_host_top>(context.get());
  sim.ctx = context.get();
  sim.top = top.get();
  top->latency_i = latency;
  top->bytes_per_cycle_i = bytes_per_cycle;
  top->stall_percent_i = stall;
  top->seed_i = seed;
  top->rst_ni = 0;
  top->clk_i = 0;
  top->eval();
  for (int i = 0; i < 4; i++) tick();
  top->rst_ni = 1;
  for (int i = 0; i < 2; i++) tick();
  svSetScope(svGetScopeFromName("TOP.sf_host_top"));
  if (sf_mem_bytes() < image.size()) fatal(3, "the memory model is smaller than the image");

  sf_platform_t plat = {};
  plat.read32 = reg_read;
  plat.write32 = reg_write;
  plat.copy_to_device = mem_to_device;
  plat.copy_from_device = mem_from_device;
  plat.wait_irq = wait_irq;
  plat.ticks = ticks;

  sf_device_t dev;
  int r = sf_open(&dev, &plat);
  std::printf("SFH_OPEN %d %s engines %u channels %u bus_bytes %u tn %u tm %u\n", r, sf_result_name(r), dev.engines, dev.channels, dev.bus_bytes, dev.tn, dev.tm);
  if (r != SF_OK) return 2;

  r = sf_load(&dev, &prog);
  std::printf("SFH_LOAD %d %s image %u bytes tasks %u at cycle %llu\n", r, sf_result_name(r), prog.image_bytes, prog.task_count, static_cast<unsigned long long>(sim.cycle));
  if (r != SF_OK) return 2;

  if (corrupt >= 0) {
    // A task descriptor whose opcode is neither END nor LAYER: the hardware must stop with BAD_OPCODE.
    uint8_t w[4];
    uint32_t at = prog.task_base + static_cast<uint32_t>(corrupt) * SF_DESC_BYTES + SF_DESC_OPCODE_WORD * 4u;
    if (mem_from_device(nullptr, w, at, 4) != 0) fatal(3, "cannot read the descriptor to corrupt");
    uint32_t word = w[0] | (w[1] << 8) | (w[2] << 16) | (static_cast<uint32_t>(w[3]) << 24);
    word = (word & ~SF_DESC_OPCODE_MASK) | SF_PUT(SF_DESC_OPCODE, SF_DESC_OPCODE_MASK >> SF_DESC_OPCODE_SHIFT);
    for (int k = 0; k < 4; k++) w[k] = static_cast<uint8_t>(word >> (8 * k));
    if (mem_to_device(nullptr, at, w, 4) != 0) fatal(3, "cannot write the corrupted descriptor");
    std::printf("SFH_CORRUPT task %ld opcode %u\n", corrupt, SF_GET(word, SF_DESC_OPCODE));
  }

  const sf_wait_mode_t wait_mode = mode == "irq" ? SF_WAIT_IRQ : SF_WAIT_POLL;
  const uint64_t start_cycle = sim.cycle;
  r = sf_start(&dev, &prog, wait_mode == SF_WAIT_IRQ);
  if (r != SF_OK) {
    std::printf("SFH_START %d %s\n", r, sf_result_name(r));
    return 2;
  }
  sf_status_t st = {};
  r = sf_wait(&dev, &prog, wait_mode, timeout, &st);
  const uint64_t wall = sim.cycle - start_cycle;
  std::printf("SFH_RESULT %d %s\n", r, sf_result_name(r));
  std::printf("SFH_STATUS raw 0x%08x busy %d done %d error_code %u tasks_done %u cycles %llu rd_bytes %llu wr_bytes %llu harness_cycles %llu reg_accesses %llu\n",
              st.raw, st.busy, st.done, st.error_code, st.tasks_done, static_cast<unsigned long long>(st.cycles),
              static_cast<unsigned long long>(st.rd_bytes), static_cast<unsigned long long>(st.wr_bytes),
              static_cast<unsigned long long>(wall), static_cast<unsigned long long>(sim.reg_accesses));
  for (uint32_t e = 0; e < dev.engines; e++) {
    sf_engine_counters_t c;
    sf_read_engine_counters(&dev, e, &c);
    std::printf("SFH_ENGINE %u busy %u compute %u stall %u\n", e, c.busy, c.compute, c.stall);
  }
  for (uint32_t c = 0; c < dev.channels; c++) {
    sf_channel_counters_t ch;
    sf_read_channel_counters(&dev, c, &ch);
    std::printf("SFH_CHANNEL %u rd_beats %u wr_beats %u\n", c, ch.rd_beats, ch.wr_beats);
  }
  for (uint32_t i = 0; prog.trace_base != 0 && i < st.tasks_done && i < prog.task_count; i++) {
    sf_trace_record_t t;
    if (sf_read_trace(&dev, &prog, i, &t) == SF_OK) {
      std::printf("SFH_TRACE %u task %u engines 0x%x start %u end %u\n", i, t.task, t.engine_mask, t.start_cycle, t.end_cycle);
    }
  }
  if (r != SF_OK) {
    std::printf("SFH_ERROR %d %s\n", r, sf_result_name(r));
    top->final();
    return 2;
  }

  bool all_match = true;
  for (uint32_t j = 0; j < prog.job_count; j++) {
    const sf_job_t &job = prog.jobs[j];
    const sf_tensor_t &t = job.output;
    const size_t bytes = static_cast<size_t>(t.batch) * t.channels * t.height * t.width * t.elem_bytes;
    std::vector<uint8_t> got(bytes), expected;
    int rr = sf_read_tensor(&dev, &t, got.data());
    if (rr != SF_OK) {
      std::printf("SFH_ERROR reading %s: %d %s\n", job.name, rr, sf_result_name(rr));
      return 2;
    }
    if (!got_dir.empty() && !write_file(got_dir + "/" + job.name + ".bin", got.data(), got.size())) usage("cannot write the outputs to --got");
    if (!read_file(expected_dir + "/" + job.name + ".bin", expected)) usage(("cannot read the expected outputs of " + std::string(job.name)).c_str());
    size_t mismatches = expected.size() == got.size() ? 0 : (expected.size() > got.size() ? expected.size() - got.size() : got.size() - expected.size());
    for (size_t i = 0; i < got.size() && i < expected.size(); i++) mismatches += got[i] != expected[i];
    std::printf("SFH_JOB %s bytes %zu mismatches %zu\n", job.name, got.size(), mismatches);
    all_match = all_match && mismatches == 0;
  }
  std::printf("SFH_DONE %s\n", all_match ? "match" : "mismatch");
  top->final();
  return all_match ? 0 : 1;
}
