package io.leasegrid.codec;

import io.leasegrid.codec.sbe.ErrorCode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ErrorCodesTest
{
    @Test
    void shouldDescribeEveryCode()
    {
        for (final ErrorCode code : ErrorCode.values())
        {
            if (ErrorCode.NULL_VAL != code)
            {
                assertNotEquals("unknown error code", ErrorCodes.describe(code), code.name());
            }
        }
        assertEquals("unknown error code", ErrorCodes.describe(null));
        assertEquals("unknown error code", ErrorCodes.describe(ErrorCode.NULL_VAL));
    }
}
