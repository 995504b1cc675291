// Block-level testbench of the writer (sf_writer, with its FIFOs sf_fifo_wlen, sf_fifo_wdata, the
// latter's RAM sf_sdp_ram_wfifo, and sf_burst_cap): runs one or more writer jobs over an
// accumulator buffer loaded from a file, answers the AXI write channels with random back-pressure,
// and prints every beat written, so that the test (generator/blocks/writer/writer.test.ts) can
// compare the memory image with the golden model.
//
// As in the engine (generator/blocks/engine): start_i is a one-cycle pulse; the job's fields are
// steady from the start until the writer is idle; the biases come from a RAM read launched by the
// start, so bias_i carries them from the cycle after the start (before it, their complement); the
// accumulator buffer is a simple dual-port RAM with a registered read port that holds its data
// while acc_re_o is low (before the first read, the complement of word 0); the job ends when
// busy_o is low, looked at from the second cycle after the start on. The AXI side checks that
// AWVALID and WVALID hold their payload until taken, that bursts are beat-aligned, at most
// MAX_BURST beats and within 4 KiB, that WLAST marks each burst's last beat, that no beat comes
// before its burst's address, and that the writer is idle only once every response is in.
//
// +acc=FILE       accumulator buffer: one TM*32-bit word a line in hex (pixel 0 first), $readmemh
// +bias=FILE      one TM*32-bit word in hex: lane m's bias in bits [32m+31:32m]
// +out_addr=N +nj=N +pool_rows=N +pool_cols=N +pool_kernel=N +pool_stride=N +pool_row_step=N
// +tile_cols=N +cstride=N +ystride=N +shift=N +sat_bits=N +relu=N +round_even=N +leak=N +chan_shift=N
//                 the job's fields (decimal)
// +jobs=N         jobs run one after the other (default 1), job k at out_addr + k * job_step
// +job_step=N     bytes between the jobs' output addresses
// +aw_ready=P +w_ready=P   percent of cycles AWREADY / WREADY is high (default 100)
// +b_delay=N      a write response comes 0..N cycles (random) after its last beat (default 0)
// +err_burst=N    burst N (counted from 0 over the whole run) is answered SLVERR (default none)
// +seed=N         seed of the back-pressure (the same sequence on both simulators)
// +timeout=N      cycles a job may take (default 100000)
//
// Prints:
//   SF_WRITER_AW cycle addr len                 every burst accepted (address in hex)
//   SF_WRITER_W addr data last                  every beat written (hex; no strobes: whole beats)
//   SF_WRITER_B burst resp                      every write response taken
//   SF_WRITER_IDLE job cycles error reads       a job's end: cycles from its start until busy_o
//                                               fell, error_o then, accumulator words read
//   SF_WRITER_CLEARED error                     error_o after a clear_i pulse at the end
//   SF_WRITER_STALLS aw N w N                   cycles AWVALID / WVALID waited for their ready
//   SF_WRITER_ERROR ...                         a broken AXI or engine rule (the run goes on)
//   SF_WRITER_TIMEOUT job cycles ...            the job did not end within +timeout cycles
//   SF_WRITER_DONE errors N
`timescale 1ns / 1ps
module sf_writer_tb #(
  parameter integer AW = 32,
  parameter integer BUS_BITS = 32,
  parameter integer TM = 4,
  parameter integer ACC_AW = 8,
  parameter integer LOOP_BITS = 12,
  parameter integer MAX_BURST = 16
);
  localparam integer BYTES = BUS_BITS / 8;
  localparam integer ACC_DEPTH = 1 << ACC_AW;
  localparam integer ACC_BITS = TM * 32;
  localparam integer QDEPTH = 64;

  reg clk = 1'b0;
  reg rst_n = 1'b0;
  always #5 clk = ~clk;

  // The job.
  reg                 clear = 1'b0, start = 1'b0;
  reg  [AW-1:0]       out_addr = '0, cstride = '0, ystride = '0;
  reg  [7:0]          nj = 8'd1, pool_kernel = 8'd1, pool_stride = 8'd1;
  reg  [LOOP_BITS-1:0] pool_rows = '0, pool_cols = '0, pool_row_step = '0, tile_cols = '0;
  reg  [4:0]          shift = '0, sat_bits = 5'd8;
  reg                 relu = 1'b0, round_even = 1'b0, chan_shift = 1'b0;
  reg  [4:0]          leak = 5'd0;
  reg  [ACC_BITS-1:0] bias_word [0:0];
  reg  [ACC_BITS-1:0] bias = '0;

  // Accumulator buffer.
  reg  [ACC_BITS-1:0] acc_mem [0:ACC_DEPTH-1];
  reg  [ACC_BITS-1:0] acc_rdata = '0;
  wire                acc_re;
  wire [ACC_AW-1:0]   acc_raddr;
  integer             reads;
  always @(posedge clk) begin
    if (acc_re) acc_rdata <= acc_mem[acc_raddr];
  end

  // AXI write channels.
  wire [AW-1:0]       aw_addr;
  wire [7:0]          aw_len;
  wire                aw_valid, w_valid, w_last, b_ready, busy, error;
  wire [BUS_BITS-1:0] w_data;
  reg                 aw_ready = 1'b0, w_ready = 1'b0, b_valid = 1'b0;
  reg  [1:0]          b_resp = 2'b00;

  sf_writer u_dut (
    .clk_i          (clk),
    .rst_ni         (rst_n),
    .clear_i        (clear),
    .start_i        (start),
    .out_addr_i     (out_addr),
    .nj_i           (nj),
    .pool_rows_i    (pool_rows),
    .pool_cols_i    (pool_cols),
    .pool_kernel_i  (pool_kernel),
    .pool_stride_i  (pool_stride),
    .pool_row_step_i(pool_row_step),
    .tile_cols_i    (tile_cols),
    .out_cstride_i  (cstride),
    .out_ystride_i  (ystride),
    .shift_i        (shift),
    .chan_shift_i   (chan_shift),
    .sat_bits_i     (sat_bits),
    .relu_i         (relu),
    .round_even_i   (round_even),
    .leak_i         (leak),
    .bias_i         (bias),
    .acc_re_o       (acc_re),
    .acc_raddr_o    (acc_raddr),
    .acc_rdata_i    (acc_rdata),
    .aw_addr_o      (aw_addr),
    .aw_len_o       (aw_len),
    .aw_valid_o     (aw_valid),
    .aw_ready_i     (aw_ready),
    .w_data_o       (w_data),
    .w_last_o       (w_last),
    .w_valid_o      (w_valid),
    .w_ready_i      (w_ready),
    .b_resp_i       (b_resp),
    .b_valid_i      (b_valid),
    .b_ready_o      (b_ready),
    .busy_o         (busy),
    .error_o        (error)
  );

  // Bursts accepted whose beats are not all written (address, length), and bursts written whose
  // response is due (cycle, response).
  reg [AW-1:0] aq_addr [0:QDEPTH-1];
  reg [7:0]    aq_len  [0:QDEPTH-1];
  integer      aq_head, aq_tail, beat;
  integer      bq_due  [0:QDEPTH-1];
  reg [1:0]    bq_resp [0:QDEPTH-1];
  integer      bq_head, bq_tail;
  integer      bursts_written;

  // Options.
  reg [1023:0] acc_file, bias_file;
  integer jobs, job_step, aw_pct, w_pct, b_delay, err_burst, timeout;
  reg [31:0] seed, rng;
  reg [63:0] value;
  integer job, cycle, errors, aw_stalls, w_stalls;
  reg     idle, timed_out;
  // Last cycle's handshakes that did not complete: their payload must hold.
  reg          aw_wait, w_wait;
  reg [AW-1:0] aw_addr_held;
  reg [7:0]    aw_len_held;
  reg [BUS_BITS-1:0] w_data_held;
  reg          w_last_held;

  function automatic [31:0] xorshift(input [31:0] x);
    reg [31:0] y;
    begin
      y = x ^ (x << 13);
      y = y ^ (y >> 17);
      xorshift = y ^ (y << 5);
    end
  endfunction

  task automatic fail(input [8*64-1:0] what);
    begin
      $display("SF_WRITER_ERROR job %0d cycle %0d: %0s", job, cycle, what);
      errors = errors + 1;
    end
  endtask

  // One cycle of the memory side: drive the ready and response signals after the falling edge,
  // then check and record the handshakes just before the rising edge.
  task automatic memory_cycle;
    begin
      rng = xorshift(rng);
      aw_ready = rng % 100 < aw_pct;
      rng = xorshift(rng);
      w_ready = rng % 100 < w_pct;
      if (bq_head != bq_tail && bq_due[bq_head % QDEPTH] <= cycle) begin
        b_valid = 1'b1;
        b_resp = bq_resp[bq_head % QDEPTH];
      end else begin
        b_valid = 1'b0;
        b_resp = 2'b00;
      end
      #4;
      if (acc_re) reads = reads + 1;
      if (aw_wait && (!aw_valid || aw_addr !== aw_addr_held || aw_len !== aw_len_held)) fail("AW dropped or changed before AWREADY");
      if (w_wait && (!w_valid || w_data !== w_data_held || w_last !== w_last_held)) fail("W dropped or changed before WREADY");
      if (!b_ready && b_valid) fail("BREADY low");
      if (aw_valid && aw_ready) begin
        $display("SF_WRITER_AW %0d %h %0d", cycle, aw_addr, aw_len);
        if (aw_addr % BYTES != 0) fail("burst address not beat-aligned");
        if (32'(aw_len) >= MAX_BURST) fail("burst longer than MAX_BURST");
        if ((aw_addr % 4096) + (32'(aw_len) + 1) * BYTES > 4096) fail("burst crosses a 4 KiB boundary");
        if (aq_tail - aq_head == QDEPTH) fail("too many bursts waiting for their data");
        aq_addr[aq_tail % QDEPTH] = aw_addr;
        aq_len[aq_tail % QDEPTH] = aw_len;
        aq_tail = aq_tail + 1;
      end
      if (w_valid && w_ready) begin
        if (aq_head == aq_tail) begin
          fail("a beat before its burst's address");
        end else begin
          $display("SF_WRITER_W %h %h %0d", aq_addr[aq_head % QDEPTH] + AW'(beat * BYTES), w_data, w_last);
          if (w_last !== (beat == 32'(aq_len[aq_head % QDEPTH]))) fail("WLAST misplaced");
          if (beat == 32'(aq_len[aq_head % QDEPTH])) begin
            if (bq_tail - bq_head == QDEPTH) fail("too many write responses due");
            bq_due[bq_tail % QDEPTH] = cycle + 1 + (b_delay > 0 ? xorshift(rng) % (b_delay + 1) : 0);
            rng = xorshift(rng);
            bq_resp[bq_tail % QDEPTH] = (bursts_written == err_burst) ? 2'b10 : 2'b00;
            bq_tail = bq_tail + 1;
            bursts_written = bursts_written + 1;
            aq_head = aq_head + 1;
            beat = 0;
          end else begin
            beat = beat + 1;
          end
        end
      end
      if (b_valid && b_ready) begin
        $display("SF_WRITER_B %0d %0d", bq_head, b_resp);
        bq_head = bq_head + 1;
      end
      if (aw_valid && !aw_ready) aw_stalls = aw_stalls + 1;
      if (w_valid && !w_ready) w_stalls = w_stalls + 1;
      aw_wait = aw_valid && !aw_ready;
      aw_addr_held = aw_addr;
      aw_len_held = aw_len;
      w_wait = w_valid && !w_ready;
      w_data_held = w_data;
      w_last_held = w_last;
      @(posedge clk);
      @(negedge clk);
      cycle = cycle + 1;
    end
  endtask

  initial begin
    if (!$value$plusargs("acc=%s", acc_file) || !$value$plusargs("bias=%s", bias_file)) begin
      $display("SF_FATAL no +acc=FILE or +bias=FILE");
      $finish;
    end
    $readmemh(acc_file, acc_mem);
    $readmemh(bias_file, bias_word);
    if (!$value$plusargs("out_addr=%d", value)) value = 0;      out_addr = AW'(value);
    if (!$value$plusargs("nj=%d", value)) value = 1;            nj = 8'(value);
    if (!$value$plusargs("pool_rows=%d", value)) value = 1;     pool_rows = LOOP_BITS'(value);
    if (!$value$plusargs("pool_cols=%d", value)) value = 1;     pool_cols = LOOP_BITS'(value);
    if (!$value$plusargs("pool_kernel=%d", value)) value = 1;   pool_kernel = 8'(value);
    if (!$value$plusargs("pool_stride=%d", value)) value = 1;   pool_stride = 8'(value);
    if (!$value$plusargs("pool_row_step=%d", value)) value = 1; pool_row_step = LOOP_BITS'(value);
    if (!$value$plusargs("tile_cols=%d", value)) value = 1;     tile_cols = LOOP_BITS'(value);
    if (!$value$plusargs("cstride=%d", value)) value = 0;       cstride = AW'(value);
    if (!$value$plusargs("ystride=%d", value)) value = 0;       ystride = AW'(value);
    if (!$value$plusargs("shift=%d", value)) value = 0;         shift = 5'(value);
    if (!$value$plusargs("sat_bits=%d", value)) value = 8;      sat_bits = 5'(value);
    if (!$value$plusargs("relu=%d", value)) value = 0;          relu = value != 0;
    if (!$value$plusargs("round_even=%d", value)) value = 0;    round_even = value != 0;
    if (!$value$plusargs("leak=%d", value)) value = 0;          leak = value[4:0];
    if (!$value$plusargs("chan_shift=%d", value)) value = 0;    chan_shift = value != 0;
    if (!$value$plusargs("jobs=%d", jobs)) jobs = 1;
    if (!$value$plusargs("job_step=%d", job_step)) job_step = 0;
    if (!$value$plusargs("aw_ready=%d", aw_pct)) aw_pct = 100;
    if (!$value$plusargs("w_ready=%d", w_pct)) w_pct = 100;
    if (!$value$plusargs("b_delay=%d", b_delay)) b_delay = 0;
    if (!$value$plusargs("err_burst=%d", err_burst)) err_burst = -1;
    if (!$value$plusargs("seed=%d", value)) value = 1;          seed = value == 0 ? 32'd1 : 32'(value);
    if (!$value$plusargs("timeout=%d", timeout)) timeout = 100000;
    rng = seed;
    aq_head = 0; aq_tail = 0; beat = 0; bq_head = 0; bq_tail = 0; bursts_written = 0;
    errors = 0; reads = 0; aw_stalls = 0; w_stalls = 0; cycle = 0; job = 0; timed_out = 1'b0;
    aw_wait = 1'b0; w_wait = 1'b0;
    bias = ~bias_word[0];
    acc_rdata = ~acc_mem[0];
    repeat (3) @(posedge clk);
    @(negedge clk) rst_n = 1'b1;
    repeat (2) @(negedge clk);
    for (job = 0; job < jobs && !timed_out; job = job + 1) begin
      reads = 0;
      cycle = 0;
      // The start: a one-cycle pulse; the biases arrive in the cycle after it.
      start = 1'b1;
      memory_cycle;
      start = 1'b0;
      bias = bias_word[0];
      // The engine looks at busy_o from the second cycle after the start on: low, the job is done.
      memory_cycle;
      if (!busy) fail("busy_o low two cycles after the start");
      idle = 1'b0;
      while (!idle && !timed_out) begin
        memory_cycle;
        if (!busy) idle = 1'b1;
        if (cycle > timeout) begin
          $display("SF_WRITER_TIMEOUT job %0d cycles %0d bursts_accepted %0d bursts_written %0d responses %0d busy %0d",
                   job, cycle, aq_tail, bursts_written, bq_head, busy);
          timed_out = 1'b1;
        end
      end
      if (!timed_out) begin
        $display("SF_WRITER_IDLE %0d %0d %0d %0d", job, cycle, error, reads);
        if (aq_head != aq_tail || beat != 0) fail("idle with a burst's beats not written");
        if (bq_head != bq_tail) fail("idle with write responses outstanding");
        // A few idle cycles: nothing more may come.
        repeat (3) begin
          memory_cycle;
          if (busy || aw_valid || w_valid || acc_re) fail("activity after going idle");
        end
        out_addr = out_addr + AW'(job_step);
        bias = ~bias_word[0];
      end
    end
    if (!timed_out) begin
      clear = 1'b1;
      memory_cycle;
      clear = 1'b0;
      memory_cycle;
      $display("SF_WRITER_CLEARED %0d", error);
    end
    $display("SF_WRITER_STALLS aw %0d w %0d", aw_stalls, w_stalls);
    $display("SF_WRITER_DONE errors %0d", errors);
    $finish;
  end
endmodule
