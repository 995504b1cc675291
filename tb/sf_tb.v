// SynergyFlow testbench: runs the accelerator like a host driver would, on Verilator or Icarus.
//
// It loads the memory image, reads the configuration block, programs the task list and trace
// addresses, starts the run, waits for the interrupt under a cycle budget, prints the status and
// performance counters (lines starting with SF_), and dumps the requested memory range.
// The accelerator, the memory model and the protocol monitors are the test system that the
// host-driver harness uses too (sf_tb_system.v). The monitors watch every AXI4 channel and the
// AXI4-Lite port; a violation ends the run (SF_PROTOCOL lines, then SF_FATAL). With stalls on,
// the host's AXI4-Lite driver also delays its valids and readies at random.
//
// Plusargs: +image=FILE +dump=FILE +dump_lo=WORD +dump_hi=WORD +task_base=ADDR +trace_base=ADDR
//           +budget=CYCLES +seed=N +latency=CYCLES +bytes_per_cycle=N +stall_percent=N
//           +ctrl=N (the CTRL word that starts the run: START, IRQ_EN, POLICY, STATIC_LOG, as the
//           host encodes it from the register map table)
//           +mem_words=N (the memory's size in bus words) +faults=FILE +rd_fault_permille=N
//           +wr_fault_permille=N (see sf_axi_mem.v)
//           Built with SF_WAVES defined (a build of its own, `synergyflow run --waves`):
//           +waves=FILE +waves_from=CYCLE +waves_to=CYCLE (see the waveform block below)

`default_nettype none
`timescale 1ns / 1ps

module sf_tb;
  parameter integer BUS_BITS = 32;
  parameter integer IDW = 1;
  parameter integer ENGINES = 1;
  parameter integer CHANNELS = 1;
  parameter integer ADDR_BITS = 32;   // the accelerator's memory address width (memory.addressBits)
  localparam integer NC = CHANNELS;

`include "sf_regs.vh"

  reg clk = 1'b0;
  reg rst_n = 1'b0;
  always #5 clk = ~clk;

  // AXI4-Lite host side.
  reg  [11:0] awaddr = 12'd0;
  reg         awvalid = 1'b0;
  wire        awready;
  reg  [31:0] wdata = 32'd0;
  reg         wvalid = 1'b0;
  wire        wready;
  wire [1:0]  bresp;
  wire        bvalid;
  reg         bready = 1'b1;
  reg  [11:0] araddr = 12'd0;
  reg         arvalid = 1'b0;
  reg         rready = 1'b1;
  wire        arready;
  wire [31:0] rdata;
  wire [1:0]  rresp;
  wire        rvalid;
  wire        irq;

  reg [31:0] latency = 32'd20;
  reg [31:0] bytes_per_cycle = BUS_BITS / 8;
  reg [31:0] stall_percent = 32'd0;
  reg [31:0] seed = 32'd1;
  reg        dump = 1'b0;
  reg [31:0] dump_lo = 32'd0;
  reg [31:0] dump_hi = 32'd0;

  // The accelerator, the memory model and the protocol monitors (sf_tb_system.v).
  wire protocol_error;
  sf_tb_system #(
    .BUS_BITS (BUS_BITS),
    .IDW      (IDW),
    .CHANNELS (CHANNELS),
    .ADDR_BITS(ADDR_BITS)
  ) u_system (
    .clk_i            (clk),
    .rst_ni           (rst_n),
    .latency_i        (latency),
    .bytes_per_cycle_i(bytes_per_cycle),
    .stall_percent_i  (stall_percent),
    .seed_i           (seed),
    .dump_i           (dump),
    .dump_lo_i        (dump_lo),
    .dump_hi_i        (dump_hi),
    .s_axil_awaddr_i  (awaddr),
    .s_axil_awvalid_i (awvalid),
    .s_axil_awready_o (awready),
    .s_axil_wdata_i   (wdata),
    .s_axil_wstrb_i   (4'hf),
    .s_axil_wvalid_i  (wvalid),
    .s_axil_wready_o  (wready),
    .s_axil_bresp_o   (bresp),
    .s_axil_bvalid_o  (bvalid),
    .s_axil_bready_i  (bready),
    .s_axil_araddr_i  (araddr),
    .s_axil_arvalid_i (arvalid),
    .s_axil_arready_o (arready),
    .s_axil_rdata_o   (rdata),
    .s_axil_rresp_o   (rresp),
    .s_axil_rvalid_o  (rvalid),
    .s_axil_rready_i  (rready),
    .irq_o            (irq),
    .protocol_error_o (protocol_error)
  );

  // Cycle counter and budget.
  reg [63:0] cycles = 64'd0;
  reg [63:0] budget = 64'd1000000;
  always @(posedge clk) cycles <= cycles + 64'd1;

`ifdef SF_WAVES
  // Waveforms: the whole design (testbench included) to +waves=FILE (VCD, or FST on a Verilator
  // build with --trace-fst or with vvp -fst), from the run's cycle +waves_from to its cycle
  // +waves_to, counted as the hardware's CYCLES_LO and the trace records count them (the top
  // level's `cycle`); from 0 (the default) the dump starts at reset, and without +waves_to it
  // runs to the end. Only this build has the window logic: the plain build stays as fast.
  // The dump opens at the window's start ($dumpvars then); at its end Icarus turns it off with
  // $dumpoff, and Verilator, which ignores $dumpoff, closes its trace file.
  reg [8*1024-1:0] waves_path;
  reg [63:0]       waves_from = 64'd0;
  reg [63:0]       waves_to = ~64'd0;
  reg              waves_want = 1'b0;
  reg              waves_open = 1'b0;
  reg              waves_done = 1'b0;
  task automatic waves_start;
    begin
      $dumpvars(0, sf_tb);
      waves_open = 1'b1;
    end
  endtask
  initial begin
    waves_want = $value$plusargs("waves=%s", waves_path) != 0;
    if (!$value$plusargs("waves_from=%d", waves_from)) waves_from = 64'd0;
    if (!$value$plusargs("waves_to=%d", waves_to)) waves_to = ~64'd0;
    // The file is named at once (Verilator ignores a $dumpfile later in the run).
    if (waves_want) $dumpfile(waves_path);
    if (waves_want && waves_from == 64'd0) waves_start();
  end
  always @(posedge clk) begin
    if (waves_want && !waves_open && !waves_done && 64'(u_system.u_dut.cycle) >= waves_from) waves_start();
    if (waves_open && !waves_done && 64'(u_system.u_dut.cycle) > waves_to) begin
      waves_done = 1'b1;
`ifdef VERILATOR
      $c("vlSymsp->_traceDumpClose();");
`else
      $dumpoff;
      $dumpflush;
`endif
    end
  end
`endif

  // Host-side random backpressure: a seeded xorshift32 decides, each cycle, whether the driver
  // holds back a valid it has not raised yet or lowers its ready (stall_percent of cycles).
  reg [31:0] host_rng = 32'd1;
  function automatic [31:0] xorshift32(input [31:0] x);
    reg [31:0] y;
    begin
      y = x ^ (x << 13);
      y = y ^ (y >> 17);
      xorshift32 = y ^ (y << 5);
    end
  endfunction
  task automatic host_roll(output stall);
    begin
      host_rng = xorshift32(host_rng);
      stall = (stall_percent != 0) && ((host_rng % 100) < stall_percent);
    end
  endtask

  // Drives signals at the falling edge, samples handshakes at the rising edge. Address and data
  // are raised independently; once raised, a valid stays until its handshake.
  task automatic axil_write(input [11:0] addr, input [31:0] data);
    reg aw_done, w_done, b_done, hold;
    begin
      aw_done = 1'b0; w_done = 1'b0; b_done = 1'b0;
      @(negedge clk);
      awaddr = addr; wdata = data;
      while (!(aw_done && w_done)) begin
        host_roll(hold);
        if (!aw_done && !awvalid && !hold) awvalid = 1'b1;
        host_roll(hold);
        if (!w_done && !wvalid && !hold) wvalid = 1'b1;
        @(posedge clk);
        if (awvalid && awready) aw_done = 1'b1;
        if (wvalid && wready) w_done = 1'b1;
        @(negedge clk);
        if (aw_done) awvalid = 1'b0;
        if (w_done) wvalid = 1'b0;
      end
      while (!b_done) begin
        host_roll(hold);
        bready = !hold;
        @(posedge clk);
        if (bvalid && bready) b_done = 1'b1;
        @(negedge clk);
      end
      bready = 1'b1;
    end
  endtask

  task automatic axil_read(input [11:0] addr, output [31:0] data);
    reg ar_done, r_done, hold;
    begin
      ar_done = 1'b0; r_done = 1'b0;
      @(negedge clk);
      araddr = addr;
      while (!ar_done) begin
        host_roll(hold);
        if (!arvalid && !hold) arvalid = 1'b1;
        @(posedge clk);
        if (arvalid && arready) ar_done = 1'b1;
        @(negedge clk);
        if (ar_done) arvalid = 1'b0;
      end
      while (!r_done) begin
        host_roll(hold);
        rready = !hold;
        @(posedge clk);
        if (rvalid && rready) begin
          r_done = 1'b1;
          data = rdata;
        end
        @(negedge clk);
      end
      rready = 1'b1;
    end
  endtask

  task automatic print_reg(input [8*24-1:0] name, input [11:0] addr);
    reg [31:0] value;
    begin
      axil_read(addr, value);
      $display("SF_REG %0s %0d", name, value);
    end
  endtask

  reg [31:0] value;
  reg [31:0] ctrl = 32'd0;
  reg [31:0] task_base = 32'd0;
  reg [31:0] trace_base = 32'd0;
  reg [63:0] start_cycle;
  // A progress line (cycles since start, tasks done) every progress_cycles cycles, flushed at once
  // so that the host sees it while the simulation runs: one comparison a cycle.
  reg [63:0] progress_cycles = 64'd2000000;
  reg [63:0] next_progress;
  integer e;

  initial begin
    if (!$value$plusargs("latency=%d", latency)) latency = 32'd20;
    if (!$value$plusargs("bytes_per_cycle=%d", bytes_per_cycle)) bytes_per_cycle = BUS_BITS / 8;
    if (!$value$plusargs("stall_percent=%d", stall_percent)) stall_percent = 32'd0;
    if (!$value$plusargs("seed=%d", seed)) seed = 32'd1;
    if (!$value$plusargs("budget=%d", budget)) budget = 64'd1000000;
    if (!$value$plusargs("task_base=%d", task_base)) task_base = 32'd0;
    if (!$value$plusargs("trace_base=%d", trace_base)) trace_base = 32'd0;
    if (!$value$plusargs("dump_lo=%d", dump_lo)) dump_lo = 32'd0;
    if (!$value$plusargs("dump_hi=%d", dump_hi)) dump_hi = 32'd0;
    if (!$value$plusargs("ctrl=%d", ctrl)) ctrl = 32'd0;
    if (!$value$plusargs("progress_cycles=%d", progress_cycles)) progress_cycles = 64'd2000000;
    if (progress_cycles == 64'd0) progress_cycles = 64'd2000000;
    host_rng = xorshift32(seed ^ 32'h6a09e667);
    $display("SF_INFO seed %0d latency %0d bytes_per_cycle %0d stall_percent %0d budget %0d",
             seed, latency, bytes_per_cycle, stall_percent, budget);

    repeat (4) @(posedge clk);
    @(negedge clk) rst_n = 1'b1;
    repeat (2) @(posedge clk);

    axil_read(SF_REG_CFG_MAGIC, value);
    if (value != SF_CFG_MAGIC_VALUE) begin
      $display("SF_FATAL configuration block magic is %h, expected %h", value, SF_CFG_MAGIC_VALUE);
      $finish;
    end
    axil_write(SF_REG_TASK_BASE, task_base);
    axil_write(SF_REG_TRACE_BASE, trace_base);
    start_cycle = cycles;
    next_progress = progress_cycles;
    // START and IRQ_EN are set whatever the host passed: the testbench waits for the interrupt.
    axil_write(SF_REG_CTRL, ctrl | (32'd1 << SF_CTRL_START_LSB) | (32'd1 << SF_CTRL_IRQ_EN_LSB));

    while (!irq && !protocol_error && (cycles - start_cycle) < budget) begin
      @(posedge clk);
      if ((cycles - start_cycle) >= next_progress) begin
        $display("SF_PROGRESS %0d %0d", cycles - start_cycle, u_system.u_dut.tasks_done);
        $fflush;
        next_progress = next_progress + progress_cycles;
      end
    end
    if (protocol_error) begin
      $display("SF_FATAL AXI protocol violation at cycle %0d (the SF_PROTOCOL lines say which)", cycles - start_cycle);
    end else if (!irq) begin
      $display("SF_TIMEOUT no completion within the budget of %0d cycles", budget);
    end
    print_reg("STATUS", SF_REG_STATUS);
    print_reg("TASKS_DONE", SF_REG_TASKS_DONE);
    print_reg("CYCLES_LO", SF_REG_CYCLES_LO);
    print_reg("CYCLES_HI", SF_REG_CYCLES_HI);
    print_reg("RD_BEATS", SF_REG_RD_BEATS);
    print_reg("WR_BEATS", SF_REG_WR_BEATS);
    for (e = 0; e < ENGINES; e = e + 1) begin
      axil_read(SF_ENG_COUNTERS + 12'(e * SF_ENG_STRIDE), value);
      $display("SF_ENG %0d BUSY %0d", e, value);
      axil_read(SF_ENG_COUNTERS + 12'(e * SF_ENG_STRIDE + 4), value);
      $display("SF_ENG %0d COMPUTE %0d", e, value);
      axil_read(SF_ENG_COUNTERS + 12'(e * SF_ENG_STRIDE + 8), value);
      $display("SF_ENG %0d STALL %0d", e, value);
    end
    for (e = 0; e < NC; e = e + 1) begin
      axil_read(SF_CH_COUNTERS + 12'(e * SF_CH_STRIDE), value);
      $display("SF_CH %0d RD_BEATS %0d", e, value);
      axil_read(SF_CH_COUNTERS + 12'(e * SF_CH_STRIDE + 4), value);
      $display("SF_CH %0d WR_BEATS %0d", e, value);
    end
    @(negedge clk) dump = 1'b1;
    @(negedge clk) dump = 1'b0;
    repeat (2) @(posedge clk);
    $display("SF_DONE");
    $finish;
  end
endmodule

`default_nettype wire
