// The accelerator's test system, shared by the testbench (sf_tb.v) and the host-driver harness's
// top (host/sf_host_top.sv): sf_top, the AXI4 memory model (sf_axi_mem.v) on its memory channels
// (packed channel by channel, addresses zero-extended to the model's 32 bits) and the protocol
// monitors (sf_axi_monitor.v), one per memory channel and one on the AXI4-Lite control port, whose
// violations are ORed into protocol_error_o. The control port, the interrupt and the memory
// model's settings are its ports: whoever instantiates it drives the host side.

`default_nettype none

module sf_tb_system #(
  parameter integer BUS_BITS = 32,
  parameter integer IDW = 1,
  parameter integer CHANNELS = 1,
  parameter integer ADDR_BITS = 32   // the accelerator's memory address width (memory.addressBits)
) (
  input  wire        clk_i,
  input  wire        rst_ni,
  // The memory model's timing, and its dump pulse (see sf_axi_mem.v).
  input  wire [31:0] latency_i,
  input  wire [31:0] bytes_per_cycle_i,
  input  wire [31:0] stall_percent_i,
  input  wire [31:0] seed_i,
  input  wire        dump_i,
  input  wire [31:0] dump_lo_i,
  input  wire [31:0] dump_hi_i,
  // sf_top's AXI4-Lite control port and interrupt.
  input  wire [11:0] s_axil_awaddr_i,
  input  wire        s_axil_awvalid_i,
  output wire        s_axil_awready_o,
  input  wire [31:0] s_axil_wdata_i,
  input  wire [3:0]  s_axil_wstrb_i,
  input  wire        s_axil_wvalid_i,
  output wire        s_axil_wready_o,
  output wire [1:0]  s_axil_bresp_o,
  output wire        s_axil_bvalid_o,
  input  wire        s_axil_bready_i,
  input  wire [11:0] s_axil_araddr_i,
  input  wire        s_axil_arvalid_i,
  output wire        s_axil_arready_o,
  output wire [31:0] s_axil_rdata_o,
  output wire [1:0]  s_axil_rresp_o,
  output wire        s_axil_rvalid_o,
  input  wire        s_axil_rready_i,
  output wire        irq_o,
  output wire        protocol_error_o
);
  localparam integer NC = CHANNELS;

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

  genvar g_ch;
  generate
    for (g_ch = 0; g_ch < NC; g_ch = g_ch + 1) begin : gen_addr_ext
      assign m_araddr[g_ch*32 +: 32] = 32'(dut_araddr[g_ch*ADDR_BITS +: ADDR_BITS]);
      assign m_awaddr[g_ch*32 +: 32] = 32'(dut_awaddr[g_ch*ADDR_BITS +: ADDR_BITS]);
    end
  endgenerate

  sf_top u_dut (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .s_axil_awaddr_i (s_axil_awaddr_i),
    .s_axil_awvalid_i(s_axil_awvalid_i),
    .s_axil_awready_o(s_axil_awready_o),
    .s_axil_wdata_i  (s_axil_wdata_i),
    .s_axil_wstrb_i  (s_axil_wstrb_i),
    .s_axil_wvalid_i (s_axil_wvalid_i),
    .s_axil_wready_o (s_axil_wready_o),
    .s_axil_bresp_o  (s_axil_bresp_o),
    .s_axil_bvalid_o (s_axil_bvalid_o),
    .s_axil_bready_i (s_axil_bready_i),
    .s_axil_araddr_i (s_axil_araddr_i),
    .s_axil_arvalid_i(s_axil_arvalid_i),
    .s_axil_arready_o(s_axil_arready_o),
    .s_axil_rdata_o  (s_axil_rdata_o),
    .s_axil_rresp_o  (s_axil_rresp_o),
    .s_axil_rvalid_o (s_axil_rvalid_o),
    .s_axil_rready_i (s_axil_rready_i),
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
    .irq_o           (irq_o)
  );

  sf_axi_mem #(
    .BUS_BITS (BUS_BITS),
    .IDW      (IDW),
    .PORTS    (NC)
  ) u_mem (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .latency_i        (latency_i),
    .bytes_per_cycle_i(bytes_per_cycle_i),
    .stall_percent_i  (stall_percent_i),
    .seed_i           (seed_i),
    .dump_i           (dump_i),
    .dump_lo_i        (dump_lo_i),
    .dump_hi_i        (dump_hi_i),
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
    .bready_i         (m_bready)
  );

  // Protocol monitors: one per memory channel, one on the control port.
  wire [NC:0] protocol_violation;
  generate
    for (g_ch = 0; g_ch < NC; g_ch = g_ch + 1) begin : gen_monitor
      sf_axi_monitor #(
        .ADDR_BITS(32),
        .DATA_BITS(BUS_BITS),
        .ID_BITS  (IDW),
        .NAME     ({"memory channel ", "0" + 8'(g_ch % 10)})
      ) u_monitor (
        .clk_i      (clk_i),
        .rst_ni     (rst_ni),
        .araddr_i   (m_araddr[g_ch*32 +: 32]),
        .arlen_i    (m_arlen[g_ch*8 +: 8]),
        .arsize_i   (m_arsize[g_ch*3 +: 3]),
        .arburst_i  (m_arburst[g_ch*2 +: 2]),
        .arid_i     (m_arid[g_ch*IDW +: IDW]),
        .arvalid_i  (m_arvalid[g_ch]),
        .arready_i  (m_arready[g_ch]),
        .rdata_i    (m_rdata[g_ch*BUS_BITS +: BUS_BITS]),
        .rresp_i    (m_rresp[g_ch*2 +: 2]),
        .rlast_i    (m_rlast[g_ch]),
        .rid_i      (m_rid[g_ch*IDW +: IDW]),
        .rvalid_i   (m_rvalid[g_ch]),
        .rready_i   (m_rready[g_ch]),
        .awaddr_i   (m_awaddr[g_ch*32 +: 32]),
        .awlen_i    (m_awlen[g_ch*8 +: 8]),
        .awsize_i   (m_awsize[g_ch*3 +: 3]),
        .awburst_i  (m_awburst[g_ch*2 +: 2]),
        .awid_i     (m_awid[g_ch*IDW +: IDW]),
        .awvalid_i  (m_awvalid[g_ch]),
        .awready_i  (m_awready[g_ch]),
        .wdata_i    (m_wdata[g_ch*BUS_BITS +: BUS_BITS]),
        .wstrb_i    (m_wstrb[g_ch*BUS_BITS/8 +: BUS_BITS/8]),
        .wlast_i    (m_wlast[g_ch]),
        .wvalid_i   (m_wvalid[g_ch]),
        .wready_i   (m_wready[g_ch]),
        .bresp_i    (m_bresp[g_ch*2 +: 2]),
        .bid_i      (m_bid[g_ch*IDW +: IDW]),
        .bvalid_i   (m_bvalid[g_ch]),
        .bready_i   (m_bready[g_ch]),
        .violation_o(protocol_violation[g_ch])
      );
    end
  endgenerate

  sf_axil_monitor #(.ADDR_BITS(12), .NAME("control port")) u_axil_monitor (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .awaddr_i   (s_axil_awaddr_i),
    .awvalid_i  (s_axil_awvalid_i),
    .awready_i  (s_axil_awready_o),
    .wdata_i    (s_axil_wdata_i),
    .wstrb_i    (s_axil_wstrb_i),
    .wvalid_i   (s_axil_wvalid_i),
    .wready_i   (s_axil_wready_o),
    .bresp_i    (s_axil_bresp_o),
    .bvalid_i   (s_axil_bvalid_o),
    .bready_i   (s_axil_bready_i),
    .araddr_i   (s_axil_araddr_i),
    .arvalid_i  (s_axil_arvalid_i),
    .arready_i  (s_axil_arready_o),
    .rdata_i    (s_axil_rdata_o),
    .rresp_i    (s_axil_rresp_o),
    .rvalid_i   (s_axil_rvalid_o),
    .rready_i   (s_axil_rready_i),
    .violation_o(protocol_violation[NC])
  );
  assign protocol_error_o = |protocol_violation;
endmodule

`default_nettype wire
