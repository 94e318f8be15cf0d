package pgmoon

// MaxServerParameters is maxServerParameters, for the ParameterStatus
// flood scenario.
const MaxServerParameters = maxServerParameters
