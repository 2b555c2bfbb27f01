/* The test program of a generated model: reads input.bin (the input tensors' raw bytes, in
 * the model's input order, concatenated) from the folder it starts in, runs one invoke and
 * writes output.bin (the output tensors' bytes, likewise). An input.bin holding K such sets one
 * after another runs K invokes in turn, state carried from one to the next as on the device,
 * and output.bin then holds the K outputs likewise. Exits 0, or non-zero with a message: 2 bad
 * input file, 3 a node failed, 4 output file. Built with -DTINYRT_WITHOUT_INVOKE it does all
 * but the invoke: what startup and I/O cost, for measuring the invoke's instructions apart. */
#include "io.h"
#include "tinyrt_model.h"

int main(void)
{
    size_t total = 0;
    for (int i = 0; i < TINYRT_MODEL_INPUTS; i++)
        total += tinyrt_model_input_bytes(i);
    tinyrt_model_init();
    long size = io_file_size("input.bin");
    if (size < 0)
        return io_fail("cannot open input.bin", 2);
    if (size == 0 || total == 0 || (size_t)size % total != 0)
        return io_fail("input.bin does not hold the model's input bytes", 2);
    const long sets = (long)((size_t)size / total);
    int in = io_open("input.bin", 0), out = io_open("output.bin", 1);
    if (out < 0)
        return io_fail("cannot create output.bin", 4);
    for (long n = 0; n < sets; n++) {
        for (int i = 0; i < TINYRT_MODEL_INPUTS; i++)
            if (io_read(in, tinyrt_model_input(i), tinyrt_model_input_bytes(i)) != 0)
                return io_fail("cannot read input.bin", 2);
#if defined(TINYRT_WITHOUT_INVOKE)
        int status = 0;
#else
        int status = tinyrt_model_invoke();
#endif
        if (status != 0)
            return io_fail_node("invoke failed at node ", status - 1, 3);
        for (int i = 0; i < TINYRT_MODEL_OUTPUTS; i++)
            if (io_write(out, tinyrt_model_output(i), tinyrt_model_output_bytes(i)) != 0)
                return io_fail("cannot write output.bin", 4);
    }
    io_close(in);
    io_close(out);
    io_report();
    return 0;
}
