package emvco

// crcTable holds CRC-16/CCITT-FALSE of every byte value, so the checksum
// costs one lookup a byte instead of eight shifts.
var crcTable = func() (table [256]uint16) {
	const polynomial = 0x1021
	for i := range table {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ polynomial
			} else {
				crc <<= 1
			}
		}
		table[i] = crc
	}
	return table
}()

// CRC16CCITTFalse returns the CRC-16/CCITT-FALSE of data (polynomial 0x1021,
// initial value 0xFFFF, no reflection, no final XOR), the checksum of an MPM
// payload (EMV QRCPS MPM section 4.7.3, ISO/IEC 13239). The check value of
// "123456789" is 0x29B1.
func CRC16CCITTFalse(data []byte) uint16 { return crc16(data) }

// crc16 takes the payload as a string too, so ParseMPM checks it without
// copying it to a []byte.
func crc16[T string | []byte](data T) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(data); i++ {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^data[i]]
	}
	return crc
}
