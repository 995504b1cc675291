// AXI4 slave memory model for the SynergyFlow testbench: PORTS independent AXI4 ports (one per
// memory channel of the accelerator) onto one shared memory.
//
// Per port:
// - Read requests are queued (up to QUEUE_DEPTH); data of a request starts LATENCY cycles after
//   it was accepted and returns in order.
// - Read and write beats share a bandwidth budget of BYTES_PER_CYCLE bytes per cycle; when both
//   wait, they take turns (reads first would starve writes while a long read stream runs).
// - Every channel stalls at random (STALL_PERCENT of cycles) from a seeded generator, so a failing
//   run can be replayed with the same +seed: AR, AW and W ready, R and B valid.
// - The memory holds +mem_words=N words (default 1024), a run-time setting: one build of the
//   testbench serves memory images of every size. Accesses outside it return DECERR (reads
//   return zero data, writes are dropped).
// - Fault injection: +faults=FILE lists up to MAX_FAULTS address ranges whose reads or writes
//   are answered with SLVERR or DECERR, one per line: "r|w LO HI RESP" (decimal byte addresses,
//   LO inclusive, HI exclusive; RESP 2 for SLVERR, 3 for DECERR); +rd_fault_permille and
//   +wr_fault_permille answer that share of read or write bursts with SLVERR, at random from the
//   seed. A faulted read beat returns zero data; a faulted write beat is not written (every beat
//   of a burst failed at random).
//
// The memory is a dynamic array (sized by `new` from the plusarg). Icarus 11 takes a dynamic
// array only in procedural code, neither in a continuous assignment or an @* sensitivity list nor
// as the target of a nonblocking assignment or of $fread / $writememh: so each port's read data
// is registered at the falling clock edge (the model's state only changes at the rising edge, so
// this is the value a combinational read would give at the next rising edge), writes are
// blocking, and the image is read and the dump written a word at a time.

`default_nettype none

module sf_axi_mem #(
  parameter integer BUS_BITS = 32,
  parameter integer IDW = 1,
  parameter integer PORTS = 1,
  parameter integer QUEUE_DEPTH = 16
) (
  input  wire                        clk_i,
  input  wire                        rst_ni,
  input  wire [31:0]                 latency_i,
  input  wire [31:0]                 bytes_per_cycle_i,
  input  wire [31:0]                 stall_percent_i,
  input  wire [31:0]                 seed_i,
  // Pulse: write words [dump_lo_i, dump_hi_i) to the file named by +dump= (hex, one word a line).
  input  wire                        dump_i,
  input  wire [31:0]                 dump_lo_i,
  input  wire [31:0]                 dump_hi_i,
  input  wire [PORTS*32-1:0]         araddr_i,
  input  wire [PORTS*8-1:0]          arlen_i,
  input  wire [PORTS*3-1:0]          arsize_i,
  input  wire [PORTS*2-1:0]          arburst_i,
  input  wire [PORTS*IDW-1:0]        arid_i,
  input  wire [PORTS-1:0]            arvalid_i,
  output wire [PORTS-1:0]            arready_o,
  output wire [PORTS*BUS_BITS-1:0]   rdata_o,
  output wire [PORTS*2-1:0]          rresp_o,
  output wire [PORTS-1:0]            rlast_o,
  output wire [PORTS*IDW-1:0]        rid_o,
  output wire [PORTS-1:0]            rvalid_o,
  input  wire [PORTS-1:0]            rready_i,
  input  wire [PORTS*32-1:0]         awaddr_i,
  input  wire [PORTS*8-1:0]          awlen_i,
  input  wire [PORTS*3-1:0]          awsize_i,
  input  wire [PORTS*2-1:0]          awburst_i,
  input  wire [PORTS*IDW-1:0]        awid_i,
  input  wire [PORTS-1:0]            awvalid_i,
  output wire [PORTS-1:0]            awready_o,
  input  wire [PORTS*BUS_BITS-1:0]   wdata_i,
  input  wire [PORTS*BUS_BITS/8-1:0] wstrb_i,
  input  wire [PORTS-1:0]            wlast_i,
  input  wire [PORTS-1:0]            wvalid_i,
  output wire [PORTS-1:0]            wready_o,
  output wire [PORTS*2-1:0]          bresp_o,
  output wire [PORTS*IDW-1:0]        bid_o,
  output wire [PORTS-1:0]            bvalid_o,
  input  wire [PORTS-1:0]            bready_i
);

  localparam integer BUS_BYTES = BUS_BITS / 8;
  localparam integer QAW = $clog2(QUEUE_DEPTH);
  localparam integer MAX_FAULTS = 8;
  localparam [1:0] RespOkay = 2'b00;
  localparam [1:0] RespSlvErr = 2'b10;
  localparam [1:0] RespDecErr = 2'b11;

  reg [BUS_BITS-1:0] mem [];
  reg [31:0] mem_words = 32'd1024;

  // The image file (+image=) holds the memory's first words as raw bytes, each word's bytes in
  // big-endian order, which is how $fread fills a word.
  reg [8*1024-1:0] image_path;
  reg [8*1024-1:0] dump_path;
  reg [BUS_BITS-1:0] image_word;
  integer fd, nread, i, got;
  reg have_image;
  initial begin
    if (!$value$plusargs("mem_words=%d", mem_words)) mem_words = 32'd1024;
    mem = new[mem_words];
    fd = 0;
    have_image = $value$plusargs("image=%s", image_path) != 0;
    if (have_image) begin
      fd = $fopen(image_path, "rb");
      if (fd == 0) begin
        $display("SF_FATAL cannot open image file %0s", image_path);
        $finish;
      end
    end
    nread = 0;
    for (i = 0; i < mem_words; i = i + 1) begin
      image_word = {BUS_BITS{1'b0}};
      if (fd != 0) begin
        got = $fread(image_word, fd);
        nread = nread + got;
        if (got < BUS_BYTES) begin
          $fclose(fd);
          fd = 0;
        end
      end
      mem[i] = image_word;
    end
    if (fd != 0) begin
      if ($fgetc(fd) != -1) begin
        $display("SF_FATAL the image file %0s is larger than the memory (+mem_words=%0d words of %0d bytes)", image_path, mem_words, BUS_BYTES);
        $finish;
      end
      $fclose(fd);
    end
    if (have_image) $display("SF_INFO image_bytes %0d", nread);
  end

  // Fault ranges (+faults=FILE) and random fault rates.
  reg [31:0] fault_lo [0:MAX_FAULTS-1];
  reg [31:0] fault_hi [0:MAX_FAULTS-1];
  reg [1:0]  fault_resp [0:MAX_FAULTS-1];
  reg        fault_write [0:MAX_FAULTS-1];
  integer    faults = 0;
  reg [31:0] rd_fault_permille = 32'd0;
  reg [31:0] wr_fault_permille = 32'd0;
  reg [8*1024-1:0] faults_path;
  reg [7:0]  fault_dir;
  reg [31:0] f_lo, f_hi, f_resp;
  integer    ffd, fields;
  initial begin
    if (!$value$plusargs("rd_fault_permille=%d", rd_fault_permille)) rd_fault_permille = 32'd0;
    if (!$value$plusargs("wr_fault_permille=%d", wr_fault_permille)) wr_fault_permille = 32'd0;
    if ($value$plusargs("faults=%s", faults_path)) begin
      ffd = $fopen(faults_path, "r");
      if (ffd == 0) begin
        $display("SF_FATAL cannot open fault file %0s", faults_path);
        $finish;
      end
      fields = 4;
      while (fields == 4 && faults < MAX_FAULTS) begin
        fields = $fscanf(ffd, " %c %d %d %d", fault_dir, f_lo, f_hi, f_resp);
        if (fields == 4) begin
          fault_write[faults] = fault_dir == "w";
          fault_lo[faults]    = f_lo;
          fault_hi[faults]    = f_hi;
          fault_resp[faults]  = f_resp[1:0];
          faults = faults + 1;
        end
      end
      $fclose(ffd);
      $display("SF_INFO fault_ranges %0d", faults);
    end
  end

  // The response a beat at `addr` gets from the fault ranges (OKAY when none applies).
  function automatic [1:0] range_fault(input [31:0] addr, input is_write);
    integer f;
    begin
      range_fault = RespOkay;
      for (f = 0; f < MAX_FAULTS; f = f + 1) begin
        if (f < faults && fault_write[f] == is_write && addr >= fault_lo[f] && addr < fault_hi[f]) range_fault = fault_resp[f];
      end
    end
  endfunction

  integer dfd, di;
  always @(posedge clk_i) begin
    if (dump_i) begin
      if ($value$plusargs("dump=%s", dump_path)) begin
        dfd = $fopen(dump_path, "w");
        if (dfd == 0) begin
          $display("SF_FATAL cannot open dump file %0s", dump_path);
          $finish;
        end
        for (di = dump_lo_i; di < dump_hi_i && di < mem_words; di = di + 1) $fdisplay(dfd, "%h", mem[di]);
        $fclose(dfd);
      end
    end
  end

  function automatic [31:0] word_index(input [31:0] addr);
    word_index = addr / BUS_BYTES;
  endfunction

  // ---------------------------------------------------------------------------------------
  // Random stalls and the shared bandwidth budget.
  // ---------------------------------------------------------------------------------------
  function automatic [31:0] xorshift32(input [31:0] x);
    reg [31:0] y;
    begin
      y = x ^ (x << 13);
      y = y ^ (y >> 17);
      xorshift32 = y ^ (y << 5);
    end
  endfunction

  function automatic stall_roll(input [31:0] r);
    stall_roll = (stall_percent_i != 0) && ((r % 100) < stall_percent_i);
  endfunction

  genvar g_p;
  generate
    for (g_p = 0; g_p < PORTS; g_p = g_p + 1) begin : gen_port
    // xorshift32 generators per channel, seeded from +seed: the same sequence on every simulator
    // ($random's seed argument is not honoured everywhere). 0-4 stall AR, R, AW, W, B; 5 and 6
    // pick the read and write bursts that fail at random.
    reg [31:0] rng_q [0:6];
    reg stall_ar, stall_r, stall_aw, stall_w, stall_b;
    reg [31:0] credit;
    integer k;


    always @(posedge clk_i) begin
      if (!rst_ni) begin
        for (k = 0; k < 7; k = k + 1) rng_q[k] <= xorshift32(seed_i ^ (32'h9e3779b9 * (k + 1 + 7 * g_p)));
        stall_ar <= 1'b0;
        stall_r  <= 1'b0;
        stall_aw <= 1'b0;
        stall_w  <= 1'b0;
        stall_b  <= 1'b0;
      end else begin
        for (k = 0; k < 7; k = k + 1) rng_q[k] <= xorshift32(rng_q[k]);
        stall_ar <= stall_roll(rng_q[0]);
        stall_r  <= stall_roll(rng_q[1]);
        stall_aw <= stall_roll(rng_q[2]);
        stall_w  <= stall_roll(rng_q[3]);
        stall_b  <= stall_roll(rng_q[4]);
      end
    end

    wire r_fire = rvalid_o[g_p] && rready_i[g_p];
    wire w_fire = wvalid_i[g_p] && wready_o[g_p];
    wire [31:0] credit_after_r = credit - (r_fire ? BUS_BYTES : 0);

    always @(posedge clk_i) begin
      if (!rst_ni) begin
        credit <= 0;
      end else begin
        credit <= ((credit_after_r - (w_fire ? BUS_BYTES : 0) + bytes_per_cycle_i) > 2 * BUS_BYTES) ?
                  2 * BUS_BYTES : (credit_after_r - (w_fire ? BUS_BYTES : 0) + bytes_per_cycle_i);
      end
    end

    // ---------------------------------------------------------------------------------------
    // Reads.
    // ---------------------------------------------------------------------------------------
    reg [31:0]    rq_addr  [0:QUEUE_DEPTH-1];
    reg [7:0]     rq_len   [0:QUEUE_DEPTH-1];
    reg [IDW-1:0] rq_id    [0:QUEUE_DEPTH-1];
    reg [63:0]    rq_ready [0:QUEUE_DEPTH-1];
    reg           rq_fail  [0:QUEUE_DEPTH-1];   // a random fault for the whole burst
    reg [QAW:0]   rq_count;
    reg [QAW-1:0] rq_head, rq_tail;
    reg [7:0]     r_beat;
    reg [63:0]    now;

    always @(posedge clk_i) begin
      if (!rst_ni) now <= 0;
      else now <= now + 1;
    end

    assign arready_o[g_p] = !stall_ar && (rq_count < QUEUE_DEPTH);
    wire ar_fire = arvalid_i[g_p] && arready_o[g_p];
    wire [31:0] r_addr = rq_addr[rq_head] + r_beat * BUS_BYTES;
    wire r_in_range = word_index(r_addr) < mem_words;
    wire [1:0] r_fault = !r_in_range ? RespDecErr : rq_fail[rq_head] ? RespSlvErr : range_fault(r_addr, 1'b0);

    // The read data, registered at the falling edge (see the top of the file).
    reg [BUS_BITS-1:0] rdata_q;
    // (An if, not ?:, which Icarus cannot blend when the address is still unknown before the first request.)
    always @(negedge clk_i) begin
      if (r_fault == RespOkay) rdata_q <= mem[word_index(r_addr)];
      else rdata_q <= {BUS_BITS{1'b0}};
    end
    assign rdata_o[g_p*BUS_BITS +: BUS_BITS]  = rdata_q;
    assign rresp_o[g_p*2 +: 2]  = r_fault;
    assign rlast_o[g_p]  = r_beat == rq_len[rq_head];
    assign rid_o[g_p*IDW +: IDW]    = rq_id[rq_head];

    always @(posedge clk_i) begin
      if (!rst_ni) begin
        rq_count <= 0;
        rq_head  <= 0;
        rq_tail  <= 0;
        r_beat   <= 0;
      end else begin
        if (ar_fire) begin
          rq_addr[rq_tail]  <= araddr_i[g_p*32 +: 32];
          rq_len[rq_tail]   <= arlen_i[g_p*8 +: 8];
          rq_id[rq_tail]    <= arid_i[g_p*IDW +: IDW];
          rq_ready[rq_tail] <= now + latency_i;
          rq_fail[rq_tail]  <= (rng_q[5] % 1000) < rd_fault_permille;
          rq_tail <= rq_tail + 1'b1;
        end
        if (r_fire) begin
          if (rlast_o[g_p]) begin
            r_beat  <= 0;
            rq_head <= rq_head + 1'b1;
          end else begin
            r_beat <= r_beat + 1'b1;
          end
        end
        rq_count <= rq_count + (ar_fire ? 1 : 0) - ((r_fire && rlast_o[g_p]) ? 1 : 0);
      end
    end

    // ---------------------------------------------------------------------------------------
    // Writes: one burst at a time; its response after LATENCY cycles.
    // ---------------------------------------------------------------------------------------
    reg           w_active;
    reg [31:0]    w_addr;
    reg [7:0]     w_len;
    reg [7:0]     w_beat;
    reg [IDW-1:0] w_id;
    reg [1:0]     w_resp;      // the burst's response so far (the worst of its beats)
    reg           w_fail;      // the burst fails at random
    // Responses waiting for their time, in order.
    reg [63:0]    bq_ready [0:QUEUE_DEPTH-1];
    reg [IDW-1:0] bq_id    [0:QUEUE_DEPTH-1];
    reg [1:0]     bq_resp  [0:QUEUE_DEPTH-1];
    reg [QAW:0]   bq_count;
    reg [QAW-1:0] bq_head, bq_tail;
    integer       lane;
    reg [BUS_BITS-1:0] w_word;

    assign awready_o[g_p] = !stall_aw && !w_active && (bq_count < QUEUE_DEPTH);
    wire aw_fire = awvalid_i[g_p] && awready_o[g_p];
    assign wready_o[g_p] = w_active && !stall_w && (credit_after_r >= BUS_BYTES);
    // After a read beat, a waiting write beat gets the next beat of credit.
    reg  w_turn_q;
    wire w_waiting = w_active && wvalid_i[g_p] && !stall_w;
    wire r_may     = !(w_turn_q && w_waiting) || credit >= 2 * BUS_BYTES;
    assign rvalid_o[g_p] = (rq_count != 0) && (now >= rq_ready[rq_head]) && !stall_r && (credit >= BUS_BYTES) && r_may;
    always @(posedge clk_i) begin
      if (!rst_ni) w_turn_q <= 1'b0;
      else if (r_fire) w_turn_q <= 1'b1;
      else if (w_fire) w_turn_q <= 1'b0;
    end
    assign bvalid_o[g_p] = (bq_count != 0) && (now >= bq_ready[bq_head]) && !stall_b;
    assign bresp_o[g_p*2 +: 2]  = bq_resp[bq_head];
    assign bid_o[g_p*IDW +: IDW]    = bq_id[bq_head];
    wire b_fire = bvalid_o[g_p] && bready_i[g_p];
    wire b_push = w_fire && (w_beat == w_len);
    wire [31:0] w_beat_addr = w_addr + w_beat * BUS_BYTES;
    wire [1:0]  w_fault = (word_index(w_beat_addr) >= mem_words) ? RespDecErr : range_fault(w_beat_addr, 1'b1);
    wire [1:0]  w_resp_now = (w_fault > w_resp) ? w_fault : w_resp;

    always @(posedge clk_i) begin
      if (!rst_ni) begin
        w_active  <= 1'b0;
        bq_count  <= 0;
        bq_head   <= 0;
        bq_tail   <= 0;
      end else begin
        if (aw_fire) begin
          w_active <= 1'b1;
          w_addr   <= awaddr_i[g_p*32 +: 32];
          w_len    <= awlen_i[g_p*8 +: 8];
          w_beat   <= 0;
          w_id     <= awid_i[g_p*IDW +: IDW];
          // A random fault fails the whole burst.
          w_fail   <= (rng_q[6] % 1000) < wr_fault_permille;
          w_resp   <= ((rng_q[6] % 1000) < wr_fault_permille) ? RespSlvErr : RespOkay;
        end
        if (w_fire) begin
          if (w_fault == RespOkay && !w_fail) begin
            // Blocking (Icarus 11 cannot assign a dynamic array's word nonblocking): nothing reads
            // the memory at the rising edge (the read data is taken at the falling edge).
            /* verilator lint_off BLKSEQ */
            w_word = mem[word_index(w_beat_addr)];
            for (lane = 0; lane < BUS_BYTES; lane = lane + 1) begin
              if (wstrb_i[g_p*BUS_BYTES + lane]) w_word[lane*8 +: 8] = wdata_i[g_p*BUS_BITS + lane*8 +: 8];
            end
            mem[word_index(w_beat_addr)] = w_word;
            /* verilator lint_on BLKSEQ */
          end
          w_resp <= w_resp_now;
          w_beat <= w_beat + 1'b1;
          if (b_push) begin
            w_active          <= 1'b0;
            bq_ready[bq_tail] <= now + latency_i;
            bq_id[bq_tail]    <= w_id;
            bq_resp[bq_tail]  <= w_resp_now;
            bq_tail           <= bq_tail + 1'b1;
          end
        end
        if (b_fire) bq_head <= bq_head + 1'b1;
        bq_count <= bq_count + (b_push ? 1 : 0) - (b_fire ? 1 : 0);
      end
    end

    end
  endgenerate

endmodule

`default_nettype wire
