// Host-driver harness top: the test system the testbench uses too (tb/sf_tb_system.v: sf_top
// beside the AXI4 memory model, protocol monitors on every memory channel and the control port),
// with the AXI4-Lite control port and the interrupt as top-level ports, which the C++ harness
// (harness.cpp) drives cycle by cycle for the C driver (sw/sf_driver.c). The driver's copies to
// and from device memory reach the memory model through the exported DPI functions below.

`default_nettype none

module sf_host_top #(
  parameter integer BUS_BITS = 32,
  parameter integer IDW = 1,
  parameter integer CHANNELS = 1,
  parameter integer ADDR_BITS = 32
) (
  input  wire        clk_i,
  input  wire        rst_ni,
  // The memory model's timing (as sf_tb's plusargs).
  input  wire [31:0] latency_i,
  input  wire [31:0] bytes_per_cycle_i,
  input  wire [31:0] stall_percent_i,
  input  wire [31:0] seed_i,
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
  localparam integer BUS_BYTES = BUS_BITS / 8;

  // The accelerator, the memory model and the protocol monitors, as in sf_tb.v (sf_tb_system.v).
  sf_tb_system #(
    .BUS_BITS (BUS_BITS),
    .IDW      (IDW),
    .CHANNELS (CHANNELS),
    .ADDR_BITS(ADDR_BITS)
  ) u_system (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .latency_i        (latency_i),
    .bytes_per_cycle_i(bytes_per_cycle_i),
    .stall_percent_i  (stall_percent_i),
    .seed_i           (seed_i),
    .dump_i           (1'b0),
    .dump_lo_i        (32'd0),
    .dump_hi_i        (32'd0),
    .s_axil_awaddr_i  (s_axil_awaddr_i),
    .s_axil_awvalid_i (s_axil_awvalid_i),
    .s_axil_awready_o (s_axil_awready_o),
    .s_axil_wdata_i   (s_axil_wdata_i),
    .s_axil_wstrb_i   (s_axil_wstrb_i),
    .s_axil_wvalid_i  (s_axil_wvalid_i),
    .s_axil_wready_o  (s_axil_wready_o),
    .s_axil_bresp_o   (s_axil_bresp_o),
    .s_axil_bvalid_o  (s_axil_bvalid_o),
    .s_axil_bready_i  (s_axil_bready_i),
    .s_axil_araddr_i  (s_axil_araddr_i),
    .s_axil_arvalid_i (s_axil_arvalid_i),
    .s_axil_arready_o (s_axil_arready_o),
    .s_axil_rdata_o   (s_axil_rdata_o),
    .s_axil_rresp_o   (s_axil_rresp_o),
    .s_axil_rvalid_o  (s_axil_rvalid_o),
    .s_axil_rready_i  (s_axil_rready_i),
    .irq_o            (irq_o),
    .protocol_error_o (protocol_error_o)
  );

  // Device memory for the driver's copies: 32-bit little-endian words at byte addresses (a
  // multiple of 4), read-modify-write of the memory model's bus words. They return 0, or 1 for an
  // address beyond the memory (+mem_words). Called between clock edges, never during a run's
  // accesses to the same words.
  export "DPI-C" function sf_mem_write32;
  export "DPI-C" function sf_mem_read32;
  export "DPI-C" function sf_mem_bytes;

  function automatic int sf_mem_write32(input int unsigned addr, input int unsigned data);
    int unsigned word;
    int unsigned lane;
    reg [BUS_BITS-1:0] value;
    begin
      word = addr / BUS_BYTES;
      lane = (addr % BUS_BYTES) / 4;
      if (word >= u_system.u_mem.mem_words || (addr % 4) != 0) return 1;
      value = u_system.u_mem.mem[word];
      value[lane*32 +: 32] = data;
      u_system.u_mem.mem[word] = value;
      return 0;
    end
  endfunction

  function automatic int sf_mem_read32(input int unsigned addr, output int unsigned data);
    int unsigned word;
    int unsigned lane;
    reg [BUS_BITS-1:0] value;
    begin
      word = addr / BUS_BYTES;
      lane = (addr % BUS_BYTES) / 4;
      data = 0;
      if (word >= u_system.u_mem.mem_words || (addr % 4) != 0) return 1;
      value = u_system.u_mem.mem[word];
      data = value[lane*32 +: 32];
      return 0;
    end
  endfunction

  function automatic longint unsigned sf_mem_bytes();
    return 64'(u_system.u_mem.mem_words) * BUS_BYTES;
  endfunction
endmodule

`default_nettype wire
