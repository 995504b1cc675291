// SynergyFlow testbench: runs the accelerator like a host driver would, on Verilator or Icarus.
//
// It loads the memory image, reads the configuration block, programs the task list and trace
// addresses, starts the run, waits for the interrupt under a cycle budget, prints the status and
// performance counters (lines starting with SF_), and dumps the requested memory range.
//
// Plusargs: +image=FILE +dump=FILE +dump_lo=WORD +dump_hi=WORD +task_base=ADDR +trace_base=ADDR
//           +budget=CYCLES +seed=N +latency=CYCLES +bytes_per_cycle=N +stall_percent=N
//           +policy=0|1|2 (monolithic, static, elastic) +static_log=N

`default_nettype none
`timescale 1ns / 1ps

module sf_tb;
  parameter integer BUS_BITS = 32;
  parameter integer IDW = 1;
  parameter integer MEM_WORDS = 1024;
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
  reg  [11:0] araddr = 12'd0;
  reg         arvalid = 1'b0;
  wire        arready;
  wire [31:0] rdata;
  wire [1:0]  rresp;
  wire        rvalid;
  wire        irq;

  // AXI4 memory side: NC channels, packed channel by channel.
  wire [NC*32-1:0]         m_araddr, m_awaddr;     // zero-extended for the memory model
  wire [NC*ADDR_BITS-1:0]  dut_araddr, dut_awaddr;
  wire [NC*8-1:0]          m_arlen, m_awlen;
  wire [NC*3-1:0]          m_arsize, m_awsize;
  wire [NC*2-1:0]          m_arburst, m_awburst, m_rresp, m_bresp;
  wire [NC*IDW-1:0]        m_arid, m_rid, m_awid, m_bid;
  wire [NC-1:0]            m_arvalid, m_arready, m_rlast, m_rvalid, m_rready;
  wire [NC-1:0]            m_awvalid, m_awready, m_wlast, m_wvalid, m_wready, m_bvalid, m_bready;
  wire [NC*BUS_BITS-1:0]   m_rdata, m_wdata;
  wire [NC*BUS_BITS/8-1:0] m_wstrb;
  wire                  mem_protocol_error;

  genvar g_ch;
  generate
    for (g_ch = 0; g_ch < NC; g_ch = g_ch + 1) begin : gen_addr_ext
      assign m_araddr[g_ch*32 +: 32] = 32'(dut_araddr[g_ch*ADDR_BITS +: ADDR_BITS]);
      assign m_awaddr[g_ch*32 +: 32] = 32'(dut_awaddr[g_ch*ADDR_BITS +: ADDR_BITS]);
    end
  endgenerate

  reg [31:0] latency = 32'd20;
  reg [31:0] bytes_per_cycle = BUS_BITS / 8;
  reg [31:0] stall_percent = 32'd0;
  reg [31:0] seed = 32'd1;
  reg        dump = 1'b0;
  reg [31:0] dump_lo = 32'd0;
  reg [31:0] dump_hi = 32'd0;

  sf_top u_dut (
    .clk_i           (clk),
    .rst_ni          (rst_n),
    .s_axil_awaddr_i (awaddr),
    .s_axil_awvalid_i(awvalid),
    .s_axil_awready_o(awready),
    .s_axil_wdata_i  (wdata),
    .s_axil_wstrb_i  (4'hf),
    .s_axil_wvalid_i (wvalid),
    .s_axil_wready_o (wready),
    .s_axil_bresp_o  (bresp),
    .s_axil_bvalid_o (bvalid),
    .s_axil_bready_i (1'b1),
    .s_axil_araddr_i (araddr),
    .s_axil_arvalid_i(arvalid),
    .s_axil_arready_o(arready),
    .s_axil_rdata_o  (rdata),
    .s_axil_rresp_o  (rresp),
    .s_axil_rvalid_o (rvalid),
    .s_axil_rready_i (1'b1),
    .m_axi_araddr_o  (dut_araddr),
    .m_axi_arlen_o   (m_arlen),
    .m_axi_arsize_o  (m_arsize),
    .m_axi_arburst_o (m_arburst),
    .m_axi_arid_o    (m_arid),
    .m_axi_arvalid_o (m_arvalid),
    .m_axi_arready_i (m_arready),
    .m_axi_rdata_i   (m_rdata),
    .m_axi_rresp_i   (m_rresp),
    .m_axi_rlast_i   (m_rlast),
    .m_axi_rid_i     (m_rid),
    .m_axi_rvalid_i  (m_rvalid),
    .m_axi_rready_o  (m_rready),
    .m_axi_awaddr_o  (dut_awaddr),
    .m_axi_awlen_o   (m_awlen),
    .m_axi_awsize_o  (m_awsize),
    .m_axi_awburst_o (m_awburst),
    .m_axi_awid_o    (m_awid),
    .m_axi_awvalid_o (m_awvalid),
    .m_axi_awready_i (m_awready),
    .m_axi_wdata_o   (m_wdata),
    .m_axi_wstrb_o   (m_wstrb),
    .m_axi_wlast_o   (m_wlast),
    .m_axi_wvalid_o  (m_wvalid),
    .m_axi_wready_i  (m_wready),
    .m_axi_bresp_i   (m_bresp),
    .m_axi_bid_i     (m_bid),
    .m_axi_bvalid_i  (m_bvalid),
    .m_axi_bready_o  (m_bready),
    .irq_o           (irq)
  );

  sf_axi_mem #(
    .BUS_BITS (BUS_BITS),
    .IDW      (IDW),
    .PORTS    (NC),
    .MEM_WORDS(MEM_WORDS)
  ) u_mem (
    .clk_i            (clk),
    .rst_ni           (rst_n),
    .latency_i        (latency),
    .bytes_per_cycle_i(bytes_per_cycle),
    .stall_percent_i  (stall_percent),
    .seed_i           (seed),
    .dump_i           (dump),
    .dump_lo_i        (dump_lo),
    .dump_hi_i        (dump_hi),
    .araddr_i         (m_araddr),
    .arlen_i          (m_arlen),
    .arsize_i         (m_arsize),
    .arburst_i        (m_arburst),
    .arid_i           (m_arid),
    .arvalid_i        (m_arvalid),
    .arready_o        (m_arready),
    .rdata_o          (m_rdata),
    .rresp_o          (m_rresp),
    .rlast_o          (m_rlast),
    .rid_o            (m_rid),
    .rvalid_o         (m_rvalid),
    .rready_i         (m_rready),
    .awaddr_i         (m_awaddr),
    .awlen_i          (m_awlen),
    .awsize_i         (m_awsize),
    .awburst_i        (m_awburst),
    .awid_i           (m_awid),
    .awvalid_i        (m_awvalid),
    .awready_o        (m_awready),
    .wdata_i          (m_wdata),
    .wstrb_i          (m_wstrb),
    .wlast_i          (m_wlast),
    .wvalid_i         (m_wvalid),
    .wready_o         (m_wready),
    .bresp_o          (m_bresp),
    .bid_o            (m_bid),
    .bvalid_o         (m_bvalid),
    .bready_i         (m_bready),
    .protocol_error_o (mem_protocol_error)
  );

  // Cycle counter and budget.
  reg [63:0] cycles = 64'd0;
  reg [63:0] budget = 64'd1000000;
  always @(posedge clk) cycles <= cycles + 64'd1;

  task automatic axil_write(input [11:0] addr, input [31:0] data);
    begin
      @(negedge clk);
      awaddr = addr; awvalid = 1'b1; wdata = data; wvalid = 1'b1;
      @(posedge clk);
      while (!(awready && wready)) @(posedge clk);
      @(negedge clk);
      awvalid = 1'b0; wvalid = 1'b0;
      while (!bvalid) @(posedge clk);
    end
  endtask

  task automatic axil_read(input [11:0] addr, output [31:0] data);
    begin
      @(negedge clk);
      araddr = addr; arvalid = 1'b1;
      @(posedge clk);
      while (!arready) @(posedge clk);
      @(negedge clk);
      arvalid = 1'b0;
      while (!rvalid) @(posedge clk);
      data = rdata;
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
  reg [31:0] policy = 32'd0;
  reg [31:0] static_log = 32'd0;
  reg [31:0] task_base = 32'd0;
  reg [31:0] trace_base = 32'd0;
  reg [63:0] start_cycle;
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
    if (!$value$plusargs("policy=%d", policy)) policy = 32'd0;
    if (!$value$plusargs("static_log=%d", static_log)) static_log = 32'd0;
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
    axil_write(SF_REG_CTRL, 32'h3 | ((policy & 32'h3) << 8) | ((static_log & 32'h7) << 12));  // START | IRQ_EN | policy

    while (!irq && !mem_protocol_error && (cycles - start_cycle) < budget) begin
      @(posedge clk);
      if (((cycles - start_cycle) % 64'd2000000) == 64'd0) begin
        $display("SF_PROGRESS %0d %0d", cycles - start_cycle, u_dut.tasks_done);
      end
    end
    if (mem_protocol_error) begin
      $display("SF_FATAL AXI protocol error seen by the memory model at cycle %0d", cycles - start_cycle);
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
